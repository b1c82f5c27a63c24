// A worker thread whose work may wait (exporting what is stored) gives way to the threads that
// take batches in: on Linux a thread has its own nice value, so this one's is raised. When the
// cores are busy, ingest keeps its rate and the worker takes what is left; when they are idle the
// worker runs at full speed, as before. Elsewhere, or when not allowed, nothing changes.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** How far below the collector's own threads a background thread runs (nice 0 → 10). */
const NICER = 10;

export function runInBackground(): void {
  try {
    // "/proc/thread-self" is "<pid>/task/<tid>": the calling thread's own id.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, NICER);
  } catch {
    // not Linux, or not permitted: the thread keeps the process's priority
  }
}
