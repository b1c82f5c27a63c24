// The audit log read back for listing (GET /v1/audit, redtail audit --data): the entries of a
// time range, oldest first, each with its place in the log (`<day>#<n>`, its line in the day's
// file), which is how verify and people cite one. Reading vouches for nothing: verify does.
import { existsSync, readFileSync } from 'node:fs';
import { DAY_MS, dayOf } from '../store/days.js';
import type { AuditEntry } from './entry.js';
import { auditDays, auditFile } from './files.js';

export interface Listed {
  /** `<day>#<n>`: the day's file and the entry's line in it, from 1. */
  ref: string;
  entry: AuditEntry;
}

/** The most entries one listing returns, unless a smaller limit is asked. */
export const MOST_LISTED = 10_000;

/** Entries from `since` to `until` (ms), oldest first; at most `limit`, the latest kept. */
export function readAudit(data: string, { since = -Infinity, until = Infinity, limit = MOST_LISTED }: { since?: number; until?: number; limit?: number } = {}): Listed[] {
  const from = Number.isFinite(since) ? dayOf(since) : '';
  const to = Number.isFinite(until) ? dayOf(until) : '~';
  const out: Listed[] = [];
  for (const day of auditDays(data).filter((d) => d >= from && d <= to)) {
    const file = auditFile(data, day);
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.pop(); // what follows the last newline: nothing, or a line still being written
    for (const [i, line] of lines.entries()) {
      let entry: AuditEntry;
      try {
        entry = JSON.parse(line) as AuditEntry;
      } catch {
        continue; // verify says which line is not what was signed
      }
      const t = Date.parse(entry.time);
      if (t >= since && t <= until) out.push({ ref: `${day}#${i + 1}`, entry });
    }
  }
  out.sort((a, b) => Date.parse(a.entry.time) - Date.parse(b.entry.time));
  return out.slice(-limit);
}

/** The latest entry of one of `actions`, looked for from the newest day back. */
export function lastEntry(data: string, actions: string[]): Listed | undefined {
  for (const day of auditDays(data).reverse()) {
    const found = readAudit(data, { since: Date.parse(day), until: Date.parse(day) + DAY_MS - 1 }).filter((l) => actions.includes(l.entry.action)).at(-1);
    if (found) return found;
  }
  return undefined;
}
