// Blocks and records that cannot be read back (bad compressed bytes, a record that is not JSON,
// columns that disagree with the block): each is skipped where it is met (a query, the
// free-text index), never fatal, and reported once: a log event and a count in /metrics.

export interface UnreadableEvent {
  level: 'error';
  event: 'block_unreadable' | 'record_unreadable';
  /** The shard's day. */
  shard: string;
  block: number;
  /** The record's place in its block. */
  record?: number;
  error: string;
  hint: string;
}

const HINT = 'skipped: answers leave it out and go on; keep a copy of the shard file to look into it';
/** Places reported so far, at most: past it the set starts over (a place may then be counted again). */
const REMEMBERED = 100_000;

export class Unreadable {
  blocks = 0;
  records = 0;
  /** Told of each place the first time it is found unreadable (the collector logs it). */
  onReport: ((event: UnreadableEvent) => void) | undefined;
  private readonly seen = new Set<string>();

  block(shard: string, block: number, err: unknown): void {
    if (this.first(`${shard}:${block}`)) {
      this.blocks++;
      this.onReport?.({ level: 'error', event: 'block_unreadable', shard, block, error: message(err), hint: HINT });
    }
  }

  record(shard: string, block: number, record: number, err: unknown): void {
    if (this.first(`${shard}:${block}:${record}`)) {
      this.records++;
      this.onReport?.({ level: 'error', event: 'record_unreadable', shard, block, record, error: message(err), hint: HINT });
    }
  }

  private first(key: string): boolean {
    if (this.seen.has(key)) return false;
    if (this.seen.size >= REMEMBERED) this.seen.clear();
    this.seen.add(key);
    return true;
  }
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 300);
