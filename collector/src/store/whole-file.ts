// Files that are evidence or a claim (checkpoints, deletion notes, the signing key, the folder's
// lock) appear whole or not at all, and stay after a power cut: their bytes are written and
// synced in a temporary file, which is then moved into place, and the folder synced so that the
// move itself is on disk.
import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';

/** Make `dir`'s entries (a file created, renamed or removed in it) durable. */
export function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeSynced(file: string, text: string, mode: number): void {
  const fd = openSync(file, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Write `file` whole, replacing what it held. One writer per folder (the lock) owns `<file>.tmp`. */
export function replaceWhole(file: string, text: string, { mode = 0o644 }: { mode?: number } = {}): void {
  const tmp = `${file}.tmp`;
  writeSynced(tmp, text, mode);
  renameSync(tmp, file);
  syncFolder(dirname(file));
}

/**
 * Create `file` whole, or throw EEXIST when it exists: a link cannot replace a file, and whoever
 * reads the file reads all of it. Made for a file several processes race to create (the lock), so
 * each writes its own temporary file.
 */
export function createWhole(file: string, text: string, { mode = 0o644 }: { mode?: number } = {}): void {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeSynced(tmp, text, mode);
    linkSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  syncFolder(dirname(file));
}
