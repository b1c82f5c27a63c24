// Record times: a record's start_time and a gap notice's since and until. The filter's form
// (2026-11-27T23:59:59.123Z) is read by hand; any other ISO 8601 form (an offset, more or fewer
// fraction digits) by Date.parse, and the record is then stored with its start_time in the
// filter's form, UTC (validate.ts). Every time is bounded, because a batch's shard is the day of
// its first time: within limits.max_clock_skew_ms of the collector's clock, either way (a clock
// gone wrong, or 9999-12-31T23:59:59-23:59, would make a shard retention never reaches; a clock
// gone back, a day the collector may have signed for and closed), and no earlier than the first
// day the retention keeps (an older record would be removed by the next prune), nor of a day
// whose shard retention removed (its log is closed: a new tree there would be smaller than the
// head its deletion note names, and nothing could vouch for it). A relay bounds
// only the future as batches arrive; the spool it delivers after an outage longer than the skew
// is refused by the collector, which has its skew raised for the catch-up (docs/operating.md).
import { BatchError, show } from './batch-error.js';
import { DAY_MS, FIRST_TIME, LAST_TIME, retentionStart } from '../store/days.js';

export interface TimeLimits {
  /** How far from the collector's clock a time may be, either way, ms; none given: any year of four digits. */
  maxClockSkewMs?: number;
  /** The skew bounds times ahead only (the relay, whose spool the collector's own bounds judge). */
  aheadOnly?: boolean;
  /** Days kept (retention_days): an earlier time is refused; none given: from 0000-01-01. */
  keepDays?: number;
  /** The latest day retention removed (its tree closed, log/retention.ts): a time of it or before is refused. */
  deletedThrough?: string;
}

/** The times a batch's records may have, fixed when the batch is read, and why each bound is there. */
export interface TimeBounds {
  earliest: number;
  latest: number;
  earliestWhy: string;
  latestWhy: string;
}

export function timeBounds(limits: TimeLimits, now = Date.now()): TimeBounds {
  const skew = limits.maxClockSkewMs;
  // The latest of the bounds on the past is the one that holds, and its reason the one given.
  const past = [{ at: FIRST_TIME, why: 'a year of four digits' }];
  if (skew !== undefined && !limits.aheadOnly) {
    past.push({ at: now - skew, why: 'the collector\'s clock less its limits.max_clock_skew_ms: check the producer\'s clock, or raise the skew while a relay delivers what it held through an outage' });
  }
  if (limits.keepDays !== undefined) {
    past.push({ at: Date.parse(`${retentionStart(limits.keepDays, now)}T00:00:00.000Z`), why: 'the first day the collector\'s retention_days keeps: an older record would be removed at once' });
  }
  if (limits.deletedThrough !== undefined) {
    past.push({ at: Date.parse(`${limits.deletedThrough}T00:00:00.000Z`) + DAY_MS, why: `the day after ${limits.deletedThrough}, the last whose records retention removed: its log is closed by a signed deletion note` });
  }
  const earliest = past.reduce((a, b) => (b.at > a.at ? b : a));
  return {
    latest: skew === undefined ? LAST_TIME : Math.min(LAST_TIME, now + skew),
    latestWhy: skew === undefined ? 'a year of four digits' : 'the collector\'s clock plus its limits.max_clock_skew_ms: check the producer\'s clock',
    earliest: earliest.at,
    earliestWhy: earliest.why,
  };
}

/** Digits of s from i to j as a number, or NaN when any is not a digit. */
function digits(s: string, i: number, j: number): number {
  let n = 0;
  for (; i < j; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/**
 * 2026-11-27T23:59:59.123Z, the form the filter writes, read by hand (Date.parse and a regular
 * expression cost much more, on every record); NaN for any other form, which the
 * general reading then takes.
 */
export function filterTime(s: string): number {
  if (s.length !== 24 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46 || s.charCodeAt(23) !== 90) return NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 7);
  const day = digits(s, 8, 10);
  const hour = digits(s, 11, 13);
  const minute = digits(s, 14, 16);
  const second = digits(s, 17, 19);
  // Date.UTC reads years below 100 as 19xx: those go the general way.
  if (!(year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59)) return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, digits(s, 20, 23));
}

/**
 * The days of a month (1 to 12) in the Gregorian calendar. Date.UTC and Date.parse roll a day a
 * month does not have into the next month, while the record keeps the text as it came: such a
 * time is refused instead.
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Whether a value is a time in the filter's form (stored as it came). */
export const inFilterForm = (value: unknown): boolean => typeof value === 'string' && !Number.isNaN(filterTime(value));

/** A time in any ISO 8601 form taken, checked against the bounds; ms since the epoch. */
export function readTime(value: unknown, line: number, field: string, bounds: TimeBounds): number {
  let ms = typeof value === 'string' ? filterTime(value) : NaN;
  if (Number.isNaN(ms) && typeof value === 'string') {
    const date = /^(\d{4})-(\d\d)-(\d\d)T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(value);
    if (date && Number(date[3]) <= daysInMonth(Number(date[1]), Number(date[2]))) ms = Date.parse(value);
  }
  if (Number.isNaN(ms)) throw new BatchError(line, field, 'an ISO 8601 time such as 2026-11-27T23:59:59.123Z', show(value));
  return bounded(ms, value, line, field, bounds);
}

/** ms, when within the bounds; throws naming the bound otherwise (`value` is the time as it came). */
export function bounded(ms: number, value: unknown, line: number, field: string, bounds: TimeBounds): number {
  if (ms > bounds.latest) throw new BatchError(line, field, `a time no later than ${new Date(bounds.latest).toISOString()} (${bounds.latestWhy})`, show(value));
  if (ms < bounds.earliest) throw new BatchError(line, field, `a time no earlier than ${new Date(bounds.earliest).toISOString()} (${bounds.earliestWhy})`, show(value));
  return ms;
}
