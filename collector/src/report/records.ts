// The records of a period counted: per service and day, over time, and the values each
// redaction rule removed. Neither a service's name nor the `redactions` summary can be read off
// the indexes (terms hold hashes of values, and no rule names), so every record that may be in
// the period is read once, and the caller is told how far it is. What is read is what verify
// vouches for: each block's stored records, each record's own start_time, in the shards of the
// period's days and the day either side (a batch goes whole to its first record's day); not the
// columns and tables queries narrow by, which no checkpoint covers.
import { unpackBlock } from '../store/codec.js';
import { DAY_MS, dayOf } from '../store/days.js';
import type { Store } from '../store/store.js';
import type { RecordsSection, RedactionsSection } from './model.js';

const HOUR = 3_600_000;
/** Periods up to this long are drawn by the hour; longer ones by the day. */
const HOURLY_UP_TO = 7 * DAY_MS;

export interface Progress {
  blocks: number;
  of: number;
}

export function countRecords(store: Store, from: number, to: number, { onProgress }: { onProgress?: (p: Progress) => void } = {}): { records: RecordsSection; redactions: RedactionsSection } {
  const bucket = to - from <= HOURLY_UP_TO ? 'hour' : 'day';
  const size = bucket === 'hour' ? HOUR : DAY_MS;
  const start = Math.floor(from / size) * size;
  const counts = new Array<number>(Math.max(1, Math.ceil((to - start) / size))).fill(0);
  const byServiceDay = new Map<string, { service: string; day: string; records: number }>();
  const rules = new Map<string, { rule: string; count: number; records: number }>();
  const unreadable = { blocks: 0, records: 0 };
  let total = 0;

  const [first, last] = [dayOf(from - DAY_MS), dayOf(to - 1 + DAY_MS)];
  const shards = store.list().filter((s) => s.day >= first && s.day <= last);
  const of = shards.reduce((n, s) => n + (s.statement('SELECT count(*) FROM blocks').pluck().get() as number), 0);
  let done = 0;
  for (const shard of shards) {
    for (const { data } of shard.statement('SELECT data FROM blocks ORDER BY id').iterate() as IterableIterator<{ data: Buffer }>) {
      onProgress?.({ blocks: done++, of });
      let lines: string[];
      try {
        lines = unpackBlock(data, shard.layout).toString('utf8').split('\n');
      } catch {
        unreadable.blocks++;
        continue;
      }
      for (const line of lines) {
        let r: { start_time?: unknown; service?: unknown; redactions?: unknown };
        try {
          r = JSON.parse(line) as typeof r;
        } catch {
          unreadable.records++;
          continue;
        }
        const time = typeof r.start_time === 'string' ? Date.parse(r.start_time) : NaN;
        if (!(time >= from && time < to)) continue;
        total++;
        counts[Math.floor((time - start) / size)]!++;
        const service = typeof r.service === 'string' ? r.service : '';
        const day = dayOf(time);
        const key = `${service}\n${day}`;
        const s = byServiceDay.get(key) ?? { service, day, records: 0 };
        s.records++;
        byServiceDay.set(key, s);
        if (typeof r.redactions !== 'object' || r.redactions === null) continue;
        for (const [rule, n] of Object.entries(r.redactions)) {
          if (typeof n !== 'number' || n <= 0) continue;
          const c = rules.get(rule) ?? { rule, count: 0, records: 0 };
          c.count += n;
          c.records++;
          rules.set(rule, c);
        }
      }
    }
  }
  onProgress?.({ blocks: done, of });

  const rows = [...byServiceDay.values()].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.day < b.day ? -1 : 1));
  const sum = (key: (r: (typeof rows)[number]) => string) => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + r.records);
    return m;
  };
  const byService = [...sum((r) => r.service)].map(([service, records]) => ({ service, records })).sort((a, b) => b.records - a.records || (a.service < b.service ? -1 : 1));
  const byDay = [...sum((r) => r.day)].map(([day, records]) => ({ day, records })).sort((a, b) => (a.day < b.day ? -1 : 1));
  const ruleList = [...rules.values()].sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : 1));
  return {
    records: { total, byServiceDay: rows, byService, byDay, timeline: { bucket, start: new Date(start).toISOString(), counts }, unreadable },
    redactions: { total: ruleList.reduce((n, r) => n + r.count, 0), rules: ruleList },
  };
}
