// redtail query: records from the collector, newest first, as an aligned table or NDJSON.
import { commandFlags } from './args.js';
import { ask } from './ask.js';
import { FILTER_FLAGS, queryString, type Target, target } from './filters.js';
import { recordLine, unreadableLine } from './format.js';
import { printable, printableJson } from './printable.js';

const FLAGS = {
  ...FILTER_FLAGS,
  since: { value: 'TIME', help: 'from this time: ISO, or 15m, 2h, 7d ago (default: all)' },
  until: { value: 'TIME', help: 'until this time' },
  limit: { value: 'N', help: 'at most N records (default 100; pages are fetched as needed)' },
  gaps: { value: '', help: 'print the records producers said they lost (gap notices) in the time range instead' },
};
type Page = { records?: Record<string, unknown>[]; next?: string | null };
const SUMMARY = 'Prints stored records, newest first (or, with --gaps, where the trail is incomplete).';

export async function queryCommand(argv: string[]): Promise<number> {
  const flags = commandFlags('query', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const want = flags.limit === undefined ? 100 : Number(flags.limit);
  if (!Number.isInteger(want) || want < 1) {
    console.error(`redtail query: --limit must be a positive integer, got ${JSON.stringify(flags.limit)}`);
    return 2;
  }
  const collector = target('query', flags);
  if (typeof collector === 'number') return collector;
  const json = flags.json !== undefined && flags.json !== 'false';
  if (flags.gaps !== undefined && flags.gaps !== 'false') return printGaps(collector, flags, want, json);
  const color = !json && process.stdout.isTTY === true;
  let printed = 0;
  let cursor: string | null = null;
  do {
    const page = Math.min(1000, want - printed);
    const qs: string = `${queryString(flags, ['since', 'until'])}&limit=${page}${cursor ? `&cursor=${cursor}` : ''}`;
    const body: Page | number = await ask<Page>('query', collector, `/v1/logs?${qs}`);
    if (typeof body === 'number') return body;
    for (const r of body.records ?? []) {
      const readable = typeof r === 'object' && r !== null && !Array.isArray(r);
      if (json) process.stdout.write(`${printableJson(r)}\n`);
      else process.stdout.write(`${readable ? recordLine(r, { color }) : unreadableLine(JSON.stringify(r) ?? String(r), { color })}\n`);
    }
    printed += body.records?.length ?? 0;
    cursor = body.next ?? null;
  } while (cursor && printed < want);
  if (!json && printed === 0) console.error('redtail query: no records match');
  return 0;
}

/** --gaps: each notice of lost records in the time range, newest first. */
async function printGaps(collector: Target, flags: Record<string, string>, limit: number, json: boolean): Promise<number> {
  const qs = new URLSearchParams({ limit: String(Math.min(limit, 1000)) });
  for (const k of ['since', 'until']) if (flags[k] !== undefined) qs.set(k, flags[k]!);
  const body = await ask<{ gaps?: { source: string; dropped: number; since: string; until: string; reason: string }[] }>('query', collector, `/v1/gaps?${qs}`);
  if (typeof body === 'number') return body;
  const gaps = body.gaps ?? [];
  const width = Math.max(0, ...gaps.map((g) => String(g.dropped).length));
  for (const g of gaps) {
    const text = (v: unknown) => printable(String(v ?? ''));
    process.stdout.write(json ? `${printableJson(g)}\n` : `${text(g.since)} .. ${text(g.until)}  ${text(g.dropped).padStart(width)} lost  ${text(g.source || '-')}  ${text(g.reason)}\n`);
  }
  if (!json && gaps.length === 0) console.error('redtail query: no gaps: producers reported no lost records in that range');
  return 0;
}
