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

/**
 * A producer names services and redaction rules, so their numbers are its to choose: at most
 * COUNTED_NAMES distinct names of each are counted one by one (later new ones are counted
 * together), and at most SHOWN_NAMES are shown, the most counted; the rest are summed in one row
 * whose name says how many it holds.
 */
export const COUNTED_NAMES = 10_000;
export const SHOWN_NAMES = 100;
const LATER = '\u0000later';

/** The row name of the names folded together, `kind` being "services" or "rules". */
const folded = (n: number, kind: string, { more }: { more: boolean }): string => `(${more ? 'more than ' : ''}${n.toLocaleString('en')} other ${kind})`;

/** The names kept as themselves: the SHOWN_NAMES most counted (never the bucket of later names). */
function shown(totals: Map<string, number>): Set<string> {
  return new Set([...totals].filter(([name]) => name !== LATER).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, SHOWN_NAMES).map(([name]) => name));
}

export function countRecords(store: Store, from: number, to: number, { onProgress }: { onProgress?: (p: Progress) => void } = {}): { records: RecordsSection; redactions: RedactionsSection } {
  const bucket = to - from <= HOURLY_UP_TO ? 'hour' : 'day';
  const size = bucket === 'hour' ? HOUR : DAY_MS;
  const start = Math.floor(from / size) * size;
  const counts = new Array<number>(Math.max(1, Math.ceil((to - start) / size))).fill(0);
  const byServiceDay = new Map<string, { service: string; day: string; records: number }>();
  const services = new Set<string>();
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
        const named = typeof r.service === 'string' ? r.service : '';
        const service = services.has(named) || services.size < COUNTED_NAMES ? named : LATER;
        services.add(service);
        const day = dayOf(time);
        const key = `${service}\n${day}`;
        const s = byServiceDay.get(key) ?? { service, day, records: 0 };
        s.records++;
        byServiceDay.set(key, s);
        if (typeof r.redactions !== 'object' || r.redactions === null) continue;
        for (const [rule, n] of Object.entries(r.redactions)) {
          if (typeof n !== 'number' || n <= 0) continue;
          const name = rules.has(rule) || rules.size < COUNTED_NAMES ? rule : LATER;
          const c = rules.get(name) ?? { rule: name, count: 0, records: 0 };
          c.count += n;
          c.records++;
          rules.set(name, c);
        }
      }
    }
  }
  onProgress?.({ blocks: done, of });

  // Services past the shown ones fold into one row, per day.
  const serviceTotals = new Map<string, number>();
  for (const r of byServiceDay.values()) serviceTotals.set(r.service, (serviceTotals.get(r.service) ?? 0) + r.records);
  const keptServices = shown(serviceTotals);
  const otherServices = folded(serviceTotals.size - keptServices.size - (serviceTotals.has(LATER) ? 1 : 0), 'services', { more: serviceTotals.has(LATER) });
  const foldedRows = new Map<string, { service: string; day: string; records: number }>();
  for (const r of byServiceDay.values()) {
    const service = keptServices.has(r.service) ? r.service : otherServices;
    const row = foldedRows.get(`${service}\n${r.day}`) ?? { service, day: r.day, records: 0 };
    row.records += r.records;
    foldedRows.set(`${service}\n${r.day}`, row);
  }
  const rows = [...foldedRows.values()].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.day < b.day ? -1 : 1));
  const sum = (key: (r: (typeof rows)[number]) => string) => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + r.records);
    return m;
  };
  const byService = [...sum((r) => r.service)].map(([service, records]) => ({ service, records })).sort((a, b) => b.records - a.records || (a.service < b.service ? -1 : 1));
  const byDay = [...sum((r) => r.day)].map(([day, records]) => ({ day, records })).sort((a, b) => (a.day < b.day ? -1 : 1));
  const keptRules = shown(new Map([...rules].map(([name, c]) => [name, c.count])));
  const otherRules = { rule: folded(rules.size - keptRules.size - (rules.has(LATER) ? 1 : 0), 'rules', { more: rules.has(LATER) }), count: 0, records: 0 };
  for (const [name, c] of rules) {
    if (keptRules.has(name)) continue;
    otherRules.count += c.count;
    otherRules.records += c.records; // a record with several folded rules counts once for each: an upper bound
  }
  const ruleList = [...keptRules].map((name) => rules.get(name)!).sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : 1));
  if (otherRules.count > 0) ruleList.push(otherRules);
  return {
    records: { total, byServiceDay: rows, byService, byDay, timeline: { bucket, start: new Date(start).toISOString(), counts }, unreadable },
    redactions: { total: ruleList.reduce((n, r) => n + r.count, 0), rules: ruleList },
  };
}
