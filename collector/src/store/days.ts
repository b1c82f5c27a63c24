// Days: the unit of storage (a shard file a UTC day, redtail-YYYY-MM-DD.db) and of retention.
// A shard's name is made from a record's time, so the time must be one whose day has that form:
// a year of four digits. Record times are checked against these bounds before a shard is chosen
// (validate.ts), and the name is checked again here, so no input can make a file the store
// would not recognise (and so never prune) when it opens the folder again.

export const DAY_MS = 86_400_000;
/** The first and last instants whose UTC day is a YYYY-MM-DD: 0000-01-01 and 9999-12-31. */
export const FIRST_TIME = Date.parse('0000-01-01T00:00:00.000Z');
export const LAST_TIME = Date.parse('9999-12-31T23:59:59.999Z');
/** A shard file's name, and the day in it. */
export const SHARD_FILE = /^redtail-(\d{4}-\d\d-\d\d)\.db$/;
/** The shard file of a day. */
export const shardFile = (day: string): string => `redtail-${day}.db`;

/** The UTC day of a time, YYYY-MM-DD. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The day of a time a shard is made for; throws for a time whose day would not make a shard name. */
export function shardDay(ms: number): string {
  const day = Number.isFinite(ms) ? dayOf(ms) : '';
  if (!SHARD_FILE.test(`redtail-${day}.db`)) throw new Error(`no shard can be made for the time ${ms}: its UTC day is not a YYYY-MM-DD`);
  return day;
}

/** The first day kept under a retention of `days` days, counting today. */
export function retentionStart(days: number, now = Date.now()): string {
  return dayOf(now - (days - 1) * DAY_MS);
}
