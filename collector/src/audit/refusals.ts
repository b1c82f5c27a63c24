// Refused requests in the audit log, within a byte budget: anyone who can reach the port can be
// refused, as often as they like, with addresses as long as a request line allows. Each minute the
// first refusals are written whole up to `limits.audit_refused_bytes`; the rest are counted by
// who, from where and with what status, and each count is written as one entry (`repeated`)
// before the audit log is next signed. Every refusal is in the log, whole or counted.
import type { AuditEntry } from './entry.js';

const WINDOW_MS = 60_000;
/** The most counts kept apart: past it, others are counted under the client `*`. */
const MOST_COUNTS = 100;

interface Count {
  who: string;
  client: string;
  status: unknown;
  repeated: number;
  first: string;
  last: string;
}

export class RefusalBudget {
  private windowStart = -Infinity;
  private spent = 0;
  private readonly counts = new Map<string, Count>();

  constructor(private readonly bytesPerMinute: number, private readonly write: (entry: AuditEntry) => void) {}

  /** A refused request's entry: written whole while the minute's budget lasts, else counted. */
  refused(entry: AuditEntry, now = Date.now()): void {
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.spent = 0;
    }
    const bytes = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (this.spent + bytes <= this.bytesPerMinute) {
      this.spent += bytes;
      return this.write(entry);
    }
    const client = String(entry.client ?? '-');
    let key = `${entry.who} ${client} ${String(entry.status)}`;
    if (!this.counts.has(key) && this.counts.size >= MOST_COUNTS) key = `${entry.who} * ${String(entry.status)}`;
    const count = this.counts.get(key);
    if (count) {
      count.repeated++;
      count.last = entry.time;
    } else {
      this.counts.set(key, { who: entry.who, client: key.split(' ')[1]!, status: entry.status, repeated: 1, first: entry.time, last: entry.time });
    }
  }

  /** Write the counts so far, each as one entry. */
  flush(now = Date.now()): void {
    for (const c of this.counts.values()) {
      this.write({ time: new Date(now).toISOString(), action: 'refused', who: c.who, client: c.client, status: c.status, repeated: c.repeated,
        first: c.first, last: c.last, note: 'refusals past limits.audit_refused_bytes in a minute, counted' });
    }
    this.counts.clear();
  }
}
