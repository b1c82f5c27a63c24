// redtail query: records from the collector, newest first, as an aligned table or NDJSON.
import { MAX_LIMIT } from '../collector/src/index.js';
import { commandFlags } from './args.js';
import { integer } from './integers.js';
import { ask } from './ask.js';
import { FILTER_FLAGS, queryString, type Target, target } from './filters.js';
import { recordLine, unreadableLine } from './format.js';
import { printable, printableJson } from './printable.js';
import { shownTime } from './shown-time.js';
import { rangeParams, timeRange } from './time-range.js';

const FLAGS = {
  ...FILTER_FLAGS,
  since: { value: 'TIME', help: 'from this time: ISO (local time unless it ends in Z or an offset), or 15m, 2h, 7d ago (default: all)' },
  until: { value: 'TIME', help: 'until this time' },
  limit: { value: 'N', help: 'at most N records (default 100; pages are fetched as needed)' },
  gaps: { value: '', help: 'print where the trail is incomplete in the time range instead: batches that never arrived, sources that fell silent, and the records producers said they lost (gap notices)' },
};
type Page = { records?: Record<string, unknown>[]; next?: string | null };
const SUMMARY = 'Prints stored records, newest first (or, with --gaps, where the trail is incomplete).';

export async function queryCommand(argv: string[]): Promise<number> {
  const flags = commandFlags('query', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const want = integer(flags.limit ?? '100', '--limit', { min: 1 });
  const range = rangeParams(timeRange(flags));
  const collector = target('query', flags);
  if (typeof collector === 'number') return collector;
  const json = flags.json !== undefined;
  const utc = flags.utc !== undefined;
  if (flags.gaps !== undefined) return printGaps(collector, range, want, { json, utc });
  const color = !json && process.stdout.isTTY === true;
  let printed = 0;
  let cursor: string | null = null;
  do {
    const page = Math.min(MAX_LIMIT, want - printed);
    const qs: string = `${[queryString(flags), range.toString()].filter(Boolean).join('&')}&limit=${page}${cursor ? `&cursor=${cursor}` : ''}`;
    const body: Page | number = await ask<Page>('query', collector, `/v1/logs?${qs}`);
    if (typeof body === 'number') return body;
    if (!Array.isArray(body.records)) {
      console.error(`redtail query: ${collector.url} is not a redtail collector: its answer has no records; is --url right?`);
      return 1;
    }
    for (const r of body.records) {
      const readable = typeof r === 'object' && r !== null && !Array.isArray(r);
      if (json) process.stdout.write(`${printableJson(r)}\n`);
      else process.stdout.write(`${readable ? recordLine(r, { color, utc }) : unreadableLine(JSON.stringify(r) ?? String(r), { color })}\n`);
    }
    printed += body.records?.length ?? 0;
    cursor = body.next ?? null;
  } while (cursor && printed < want);
  if (!json && printed === 0) console.error('redtail query: no records match');
  return 0;
}

type GapNotice = { source: string; dropped: number; since: string; until: string; reason: string };
type Completeness = {
  missing?: { source: string; from_seq: number; to_seq: number; batches: number; after: string; found: string }[];
  silences?: { identity: string; since: string; until: string | null }[];
};

/**
 * --gaps: the runs of batches that never arrived and the silences in the time range, then each
 * notice of lost records, newest first, up to the limit (a page at a time).
 */
async function printGaps(collector: Target, range: URLSearchParams, limit: number, { json, utc }: { json: boolean; utc: boolean }): Promise<number> {
  const text = (v: unknown) => printable(String(v ?? ''));
  const time = (v: unknown) => printable(shownTime(String(v ?? ''), { utc }));
  const known = await ask<Completeness>('query', collector, `/v1/completeness?${range}`);
  if (typeof known === 'number') return known;
  for (const m of known.missing ?? []) {
    const seqs = m.from_seq === m.to_seq ? `seq ${m.from_seq}` : `seq ${m.from_seq}-${m.to_seq}`;
    process.stdout.write(json ? `${printableJson({ missing: m })}\n` : `${time(m.after)} .. ${time(m.found)}  ${text(m.batches)} batches missing  ${text(m.source)} (${seqs})\n`);
  }
  for (const g of known.silences ?? []) {
    process.stdout.write(json ? `${printableJson({ silence: g })}\n` : `${time(g.since)} .. ${time(g.until ?? 'now')}  silent  ${text(g.identity)}${g.until === null ? ' (still)' : ''}\n`);
  }
  let printed = 0;
  let cursor: string | null = null;
  do {
    const qs = new URLSearchParams(range);
    qs.set('limit', String(Math.min(MAX_LIMIT, limit - printed)));
    if (cursor) qs.set('cursor', cursor);
    const body: { gaps?: GapNotice[]; next?: string | null } | number = await ask<{ gaps?: GapNotice[]; next?: string | null }>('query', collector, `/v1/gaps?${qs}`);
    if (typeof body === 'number') return body;
    const gaps = body.gaps ?? [];
    const width = Math.max(0, ...gaps.map((g) => String(g.dropped).length));
    for (const g of gaps) {
      process.stdout.write(json ? `${printableJson(g)}\n` : `${time(g.since)} .. ${time(g.until)}  ${text(g.dropped).padStart(width)} lost  ${text(g.source || '-')}  ${text(g.reason)}\n`);
    }
    printed += gaps.length;
    cursor = body.next ?? null;
  } while (cursor && printed < limit);
  if (!json && printed === 0 && !known.missing?.length && !known.silences?.length) {
    console.error('redtail query: no gaps: no batch went missing, no source fell silent, and producers reported no lost records in that range');
  }
  return 0;
}
