// redtail query: records from the collector, newest first, as an aligned table or NDJSON.
import { commandFlags } from './args.js';
import { FILTER_FLAGS, queryString, target } from './filters.js';
import { recordLine } from './format.js';

const FLAGS = {
  ...FILTER_FLAGS,
  since: { value: 'TIME', help: 'from this time: ISO, or 15m, 2h, 7d ago (default: all)' },
  until: { value: 'TIME', help: 'until this time' },
  limit: { value: 'N', help: 'at most N records (default 100; pages are fetched as needed)' },
};
const SUMMARY = 'Prints stored records, newest first.';

export async function queryCommand(argv: string[]): Promise<number> {
  const flags = commandFlags('query', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const want = flags.limit === undefined ? 100 : Number(flags.limit);
  if (!Number.isInteger(want) || want < 1) {
    console.error(`redtail query: --limit must be a positive integer, got ${JSON.stringify(flags.limit)}`);
    return 2;
  }
  const { url, headers } = target(flags);
  const json = flags.json !== undefined && flags.json !== 'false';
  const color = !json && process.stdout.isTTY === true;
  let printed = 0;
  let cursor: string | null = null;
  do {
    const page = Math.min(1000, want - printed);
    const qs = `${queryString(flags, ['since', 'until'])}&limit=${page}${cursor ? `&cursor=${cursor}` : ''}`;
    let res: Response;
    try {
      res = await fetch(`${url}/v1/logs?${qs}`, { headers });
    } catch (err) {
      console.error(`redtail query: cannot reach the collector at ${url}: ${(err as Error).message}`);
      return 1;
    }
    const body = (await res.json()) as { records?: Record<string, unknown>[]; next?: string | null; error?: string };
    if (!res.ok) {
      console.error(`redtail query: the collector answered ${res.status}: ${body.error}`);
      return 1;
    }
    for (const r of body.records ?? []) process.stdout.write(`${json ? JSON.stringify(r) : recordLine(r, color)}\n`);
    printed += body.records?.length ?? 0;
    cursor = body.next ?? null;
  } while (cursor && printed < want);
  if (!json && printed === 0) console.error('redtail query: no records match');
  return 0;
}
