// An exporter's position in the store, kept on disk (<data>/export/<name>.json): per shard day,
// how far its blocks were delivered. Written whole (whole-file.ts) and only after the receiver
// accepted, so after a crash the exporter sends again at most what was in flight. Blocks have
// dense ids per shard (shard.ts), so a position is a block id and how many of its records went.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { replaceWhole } from '../store/whole-file.js';

/** Blocks before `block` delivered whole, and the first `records` records of block `block`. */
export interface Position {
  block: number;
  records: number;
  /**
   * The name of the batch that brought the block of the last record delivered: a shard made
   * again, restored from a copy or that lost its last commits to a power cut has another batch
   * there (or none), and is told apart from the one read. Absent at a day's start (and in
   * cursors written before it was kept).
   */
  batch?: string;
}

/** Where a shard day starts: nothing of it delivered. */
export const START: Position = { block: 1, records: 0 };

/** A cursor file that cannot be read: the collector refuses to start rather than guess (resending or skipping records). */
export class CursorUnreadable extends Error {
  readonly code = 'cursor_unreadable';
}

/** The folder of the exporters' cursors, in the data folder. */
export const cursorDir = (data: string): string => join(data, 'export');

export class Cursor {
  /** By shard day (YYYY-MM-DD). */
  readonly days = new Map<string, Position>();

  private constructor(readonly file: string, readonly existed: boolean) {}

  /** The cursor of exporter `name`; a new one (existed: false) when it has none yet. Throws CursorUnreadable. */
  static open(data: string, name: string): Cursor {
    const file = join(cursorDir(data), `${name}.json`);
    if (!existsSync(file)) return new Cursor(file, false);
    const cursor = new Cursor(file, true);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new CursorUnreadable(`${file} cannot be read (${(err as Error).message}): move it away to start exporter "${name}" from its "from" setting, or mend it`);
    }
    const days = (parsed as { days?: unknown } | null)?.days;
    if (typeof days !== 'object' || days === null || Array.isArray(days)) throw new CursorUnreadable(`${file} holds no "days" object: move it away to start exporter "${name}" from its "from" setting, or mend it`);
    for (const [day, p] of Object.entries(days)) {
      const { block, records, batch } = (p ?? {}) as Record<string, unknown>;
      if (!/^\d{4}-\d\d-\d\d$/.test(day) || !isCount(block) || !isCount(records) || (batch !== undefined && typeof batch !== 'string')) {
        throw new CursorUnreadable(`${file}: day ${JSON.stringify(day)} has no valid position (${JSON.stringify(p)}): move the file away to start exporter "${name}" from its "from" setting, or mend it`);
      }
      cursor.days.set(day, typeof batch === 'string' ? { block, records, batch } : { block, records });
    }
    return cursor;
  }

  position(day: string): Position {
    return this.days.get(day) ?? START;
  }

  /** Write the positions whole, replacing the file. */
  save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const days = Object.fromEntries([...this.days].sort(([a], [b]) => (a < b ? -1 : 1)));
    replaceWhole(this.file, `${JSON.stringify({ days })}\n`);
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
