// An audit entry: who did what to the trail, from where, when. One JSON object a line in the
// audit log's day files; each line, as written, is a leaf of that day's tree.
import { userInfo } from 'node:os';

/** What an entry records. */
export type AuditAction =
  | 'query' | 'gaps' | 'completeness' | 'tail_start' | 'tail_end' | 'audit' | 'refused'
  | 'prune' | 'deleted' | 'verify' | 'prove' | 'report' | 'start' | 'stop' | 'set_aside';

export interface AuditEntry {
  /** When it happened, ISO 8601 UTC. */
  time: string;
  action: AuditAction;
  /** A token's name, `collector` for the collector's own acts, `os:<user>` for an offline command. */
  who: string;
  /** The client's address, for what came over HTTP. */
  client?: string;
  /** What else there is to say: filters, counts, the config's digest. */
  [detail: string]: unknown;
}

/** Who the collector is in its own entries (retention, start, stop). */
export const COLLECTOR = 'collector';

/** An entry's line as written (no newline): its leaf's bytes. */
export const entryLine = (e: AuditEntry): string => JSON.stringify(e);

/** What an entry says besides when, who, from where and what: its other fields, compactly. */
export function entryDetails(entry: AuditEntry): string {
  const { time: _t, who: _w, client: _c, action: _a, ...rest } = entry;
  return Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

/** Who runs an offline command, as its entries name them: `os:<user>` (or the uid where no user name is known). */
export function osUser(): string {
  try {
    return `os:${userInfo().username}`;
  } catch {
    return `os:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}
