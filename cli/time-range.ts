// --since and --until of a command that reads a time range: each an ISO time or a duration ago,
// and the range the right way round (a reversed one would quietly match nothing).
import { parseTime, QueryError } from '../collector/src/index.js';
import { UsageError } from './args.js';

export function timeRange(flags: Record<string, string>, now = Date.now()): { since?: number; until?: number } {
  let since: number | undefined;
  let until: number | undefined;
  try {
    if (flags.since !== undefined) since = parseTime(flags.since, '--since', now);
    if (flags.until !== undefined) until = parseTime(flags.until, '--until', now);
  } catch (err) {
    if (err instanceof QueryError) throw new UsageError(err.message);
    throw err;
  }
  if (since !== undefined && until !== undefined && since > until) {
    throw new UsageError(`--since ${flags.since} (${new Date(since).toISOString()}) is later than --until ${flags.until} (${new Date(until).toISOString()}): nothing is in that range; swap them?`);
  }
  return { since, until };
}
