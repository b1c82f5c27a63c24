// --since and --until of a command that reads a time range: each an ISO time or a duration ago,
// and the range the right way round (a reversed one would quietly match nothing). A time written
// without a zone is the reader's local time (as TZ sets it), as the tables show times; Z or an
// offset says otherwise. The collector is sent absolute UTC times, whatever its own zone.
import { parseTime, QueryError } from '../collector/src/index.js';
import { UsageError } from './args.js';

/** 2026-11-27, 2026-11-27T10:00, 2026-11-27 10:00:05.250: a date and time with no zone. */
const ZONELESS = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,3})\d*)?)?)?$/;

/** The time `value` stands for, a zoneless one read in local time; a UsageError for anything else. */
export function localTime(value: string, flag: string, now = Date.now()): number {
  const m = ZONELESS.exec(value);
  if (m !== null) {
    const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1, 7).map((v) => Number(v ?? 0));
    const ms = Number((m[7] ?? '0').padEnd(3, '0'));
    const t = new Date(y!, mo! - 1, d, h, mi, s, ms);
    // Date rolls 2026-02-31 over to March: a day or an hour that does not exist is refused.
    if (t.getFullYear() === y && t.getMonth() === mo! - 1 && t.getDate() === d && t.getHours() === h && t.getMinutes() === mi && t.getSeconds() === s) return t.getTime();
    throw new UsageError(`${flag} ${value} is not a time there was in this zone (${Intl.DateTimeFormat().resolvedOptions().timeZone}): no such date or time, or one skipped when the clocks went forward`);
  }
  try {
    return parseTime(value, flag, now);
  } catch (err) {
    if (err instanceof QueryError) throw new UsageError(err.message);
    throw err;
  }
}

export function timeRange(flags: Record<string, string>, now = Date.now()): { since?: number; until?: number } {
  const since = flags.since === undefined ? undefined : localTime(flags.since, '--since', now);
  const until = flags.until === undefined ? undefined : localTime(flags.until, '--until', now);
  if (since !== undefined && until !== undefined && since > until) {
    throw new UsageError(`--since ${flags.since} (${new Date(since).toISOString()}) is later than --until ${flags.until} (${new Date(until).toISOString()}): nothing is in that range; swap them?`);
  }
  return { since, until };
}

/** The range as the collector's query parameters: ISO UTC times. */
export function rangeParams({ since, until }: { since?: number; until?: number }): URLSearchParams {
  const p = new URLSearchParams();
  if (since !== undefined) p.set('since', new Date(since).toISOString());
  if (until !== undefined) p.set('until', new Date(until).toISOString());
  return p;
}
