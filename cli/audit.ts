// redtail audit: the audit log's entries (who read what, which tokens were refused, retention,
// verify, the collector's starts and stops), from the collector over HTTP (GET /v1/audit, admin
// scope) or from a data folder directly; an aligned table for people, NDJSON with --json.
import { entryDetails, type Listed, readAudit } from '../collector/src/index.js';
import { commandFlags, UsageError } from './args.js';
import { integer } from './integers.js';
import { dataConfig, dataFolderProblem } from './data-config.js';
import { ask } from './ask.js';
import { leaveForAudit } from './left-for-audit.js';
import { FILTER_FLAGS, target } from './filters.js';
import { printable, printableJson } from './printable.js';
import { shownTime } from './shown-time.js';
import { rangeParams, timeRange } from './time-range.js';

const FLAGS = {
  url: { value: 'URL', help: 'the collector (default http://127.0.0.1:9900; env REDTAIL_URL)' },
  ca: FILTER_FLAGS.ca!,
  token: { value: 'TOKEN', help: 'a bearer token with the admin scope (env REDTAIL_TOKEN)' },
  'token-file': FILTER_FLAGS['token-file']!,
  data: { value: 'DIR', help: 'read the data folder instead of asking a collector (env REDTAIL_DATA)' },
  config: { value: 'FILE', help: 'the collector\'s config file (for data, with --data)' },
  since: { value: 'TIME', help: 'from this time: ISO (local time unless it ends in Z or an offset), or 15m, 2h, 7d ago (default: all)' },
  until: { value: 'TIME', help: 'until this time' },
  limit: { value: 'N', help: 'the latest N entries at most (default 1000)' },
  json: { value: '', help: 'print NDJSON, one entry a line, with its place in the log ("ref")' },
  utc: FILTER_FLAGS.utc!,
};
const SUMMARY = 'Lists the audit log: who queried, tailed or was refused, retention, verify, starts and stops.';

/** The entries, or the exit code after saying what went wrong. */
async function fromCollector(flags: Record<string, string>, limit: number, range: { since?: number; until?: number }): Promise<Listed[] | number> {
  const collector = target('audit', flags);
  if (typeof collector === 'number') return collector;
  const qs = rangeParams(range);
  qs.set('limit', String(limit));
  const body = await ask<{ entries?: Listed[] }>('audit', collector, `/v1/audit?${qs}`, { scope: 'admin' });
  if (typeof body === 'number') return body;
  if (!Array.isArray(body.entries)) {
    console.error(`redtail audit: ${collector.url} is not a redtail collector: its answer has no audit entries; is --url right?`);
    return 1;
  }
  return body.entries;
}

function fromData(flags: Record<string, string>, limit: number, { since, until }: { since?: number; until?: number }): Listed[] | number {
  const config = dataConfig('audit', flags);
  if (typeof config === 'number') return config;
  const missing = dataFolderProblem('audit', config.data);
  if (missing) {
    console.error(missing);
    return 2;
  }
  const listed = readAudit(config.data, { since, until, limit });
  // Reading the audit log is itself audited; without the lock, by the inbox.
  leaveForAudit('audit', config.data, { asked: { since: flags.since, until: flags.until, limit }, results: listed.length });
  return listed;
}

export async function auditCommand(argv: string[]): Promise<number> {
  const flags = commandFlags('audit', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const limit = integer(flags.limit ?? '1000', '--limit', { min: 1 });
  if (flags.url !== undefined && flags.data !== undefined) throw new UsageError('give --url (ask a collector) or --data (read a data folder), not both');
  const range = timeRange(flags);
  const listed = flags.data !== undefined ? fromData(flags, limit, range) : await fromCollector(flags, limit, range);
  if (typeof listed === 'number') return listed;
  if (flags.json !== undefined) {
    for (const l of listed) process.stdout.write(`${printableJson({ ref: l.ref, ...l.entry })}\n`);
    return 0;
  }
  const utc = flags.utc !== undefined;
  const rows = listed.map((l) => [shownTime(String(l.entry.time), { utc }), l.entry.who, l.entry.client ?? '-', l.entry.action, entryDetails(l.entry), l.ref].map((v) => printable(String(v))));
  const widths = [0, 1, 2, 3].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(`${r.slice(0, 4).map((v, i) => v.padEnd(widths[i]!)).join('  ')}  ${r[4]}  (${r[5]})\n`);
  if (listed.length === 0) console.error('redtail audit: no entries in that range');
  return 0;
}
