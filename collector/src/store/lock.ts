// One writer per data folder. Two collectors on the same shards would each keep their own idea
// of the shards, the free-text index's progress and, with the verifiable log, the tree: a
// second writer forks the log. The lock is a file naming its holder, created whole (whole-file.ts),
// so another starter never reads it empty and takes it for a damaged one; one left by a process
// that is gone (kill -9, a crash, a restarted container) is taken over.
import { hostname } from 'node:os';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createWhole } from './whole-file.js';

export const LOCK_FILE = 'redtail.lock';

/** When this process started: a lock naming its pid cannot be its past life's if written since. */
const STARTED = Date.now() - process.uptime() * 1000;

/** The lock files this process holds: its own pid in a lock it does not hold is a previous life's. */
const held = new Set<string>();

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/** The data folder is held by another running collector (or a lock this host cannot check). */
export class FolderInUse extends Error {
  readonly code = 'data_in_use';
  /** The holder's pid, when it is a process running on this host: what a starter's own advice names. */
  constructor(message: string, readonly pid?: number) {
    super(message);
  }
}

/** Whether the process `pid` on this host is running (one we may not signal is running too). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string') return h as Holder;
  } catch {
    // Unreadable (a crash while it was written): nobody can be shown to hold it.
  }
  return undefined;
}

export class FolderLock {
  private constructor(private readonly file: string) {}

  /** Hold `dir` for this process, or throw FolderInUse naming who holds it and what to do. */
  static take(dir: string): FolderLock {
    mkdirSync(dir, { recursive: true });
    const file = resolve(dir, LOCK_FILE);
    if (held.has(file)) throw new FolderInUse(`${dir} is in use by another collector in this process: one writer per data folder`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        createWhole(file, `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies Holder)}\n`);
        held.add(file);
        return new FolderLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readHolder(file);
      if (holder !== undefined && holder.host !== hostname()) {
        throw new FolderInUse(`${dir} is in use by a redtail on ${holder.host} (pid ${holder.pid}, since ${holder.since}): one writer per data folder. If that process is gone, remove ${file}`);
      }
      // Our own pid in it is a restarted container's previous life (pid 1 again), not us; unless
      // it was written after we started: then another pid namespace (a container sharing this
      // host's name) holds it.
      if (holder !== undefined && holder.pid === process.pid && Date.parse(holder.since) >= STARTED) {
        throw new FolderInUse(`${dir} is in use by a redtail that has this process's pid ${holder.pid} on ${holder.host} (since ${holder.since}), in another container: one writer per data folder`);
      }
      if (holder !== undefined && holder.pid !== process.pid && running(holder.pid)) {
        throw new FolderInUse(`${dir} is in use by redtail pid ${holder.pid} (since ${holder.since}): one writer per data folder; stop it first, or use another --data`, holder.pid);
      }
      rmSync(file, { force: true }); // left by a process that is gone
    }
    throw new FolderInUse(`${dir}: another process took ${LOCK_FILE} while this one replaced a stale one; try again`);
  }

  release(): void {
    if (!held.delete(this.file)) return;
    const holder = readHolder(this.file);
    if (holder?.pid === process.pid && holder.host === hostname()) rmSync(this.file, { force: true });
  }
}
