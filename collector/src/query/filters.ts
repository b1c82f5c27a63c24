// The filters a query and a live tail share, and what each means: one predicate, so that a record
// a tail shows is one a query finds, and the other way round. The fields' filters come from the
// record's schema (record/schema.ts); free text, the time range and paging are the query's own.
import { type FilterParam, FILTERED, type Match } from '../record/schema.js';

export type Filters = { [param in FilterParam]?: string } & {
  /** Free text: the records holding the text exactly as given, starting where a word starts. */
  text?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
};

export class QueryError extends Error {
  constructor(readonly field: string, readonly expected: string, readonly got: string) {
    super(`"${field}" must be ${expected}, got ${JSON.stringify(got)}`);
  }
}

/** The filters in a query string (GET /v1/logs, /v1/tail): each field's parameter, q for free text, and paging. */
export function filtersFrom(p: URLSearchParams): Filters {
  const get = (k: string) => p.get(k) ?? undefined;
  const f: Filters = {};
  for (const field of FILTERED) f[field.filter.param] = get(field.filter.param);
  const limit = get('limit');
  return { ...f, text: get('q'), since: get('since'), until: get('until'), cursor: get('cursor'), limit: limit === undefined ? undefined : Number(limit) };
}

export function parseStatus(value: string): [number, number] {
  let m = /^([1-5])xx$/i.exec(value);
  if (m) return [Number(m[1]) * 100, Number(m[1]) * 100 + 99];
  m = /^(\d{1,3})-(\d{1,3})$/.exec(value);
  if (m && Number(m[1]) <= Number(m[2])) return [Number(m[1]), Number(m[2])];
  if (/^\d{1,3}$/.test(value)) return [Number(value), Number(value)];
  throw new QueryError('status', 'a code (404), a class (5xx) or a range (400-499)', value);
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * Whether a record's JSON holds the text where a word starts (or anywhere, if the text does not
 * start with a letter or digit): exactly what the word index can find, so queries and the live
 * tail agree on which records hold it.
 */
export function holdsText(line: string, text: string): boolean {
  const atWordStart = WORD_CHAR.test(text.charAt(0));
  for (let i = line.indexOf(text); i >= 0; i = line.indexOf(text, i + 1)) {
    if (!atWordStart || i === 0 || !WORD_CHAR.test(line.charAt(i - 1))) return true;
  }
  return false;
}

/** A value a filter looks for, as records hold it (methods upper-cased). */
export const sought = (match: Match, given: string): string => (match === 'upper' ? given.toUpperCase() : given);

/** One field's condition: its value (undefined when the record lacks it) must pass `test`. */
export interface Condition {
  field: string;
  test(value: unknown): boolean;
}

export interface Predicate {
  conditions: Condition[];
  /** Free text the record's JSON must hold (holdsText). */
  text?: string;
}

function condition(match: Match, given: string): (value: unknown) => boolean {
  if (match === 'prefix') return (v) => typeof v === 'string' && v.startsWith(given);
  if (match === 'range') {
    const [lo, hi] = parseStatus(given);
    return (v) => typeof v === 'number' && v >= lo && v <= hi;
  }
  const value = sought(match, given);
  return (v) => v === value;
}

/** The predicate for the filters (all but time range, limit and cursor); throws QueryError on a bad one. */
export function predicate(f: Filters): Predicate {
  const conditions: Condition[] = [];
  for (const field of FILTERED) {
    const given = f[field.filter.param];
    if (given !== undefined) conditions.push({ field: field.name, test: condition(field.filter.match, given) });
  }
  return { conditions, text: f.text === '' ? undefined : f.text };
}

/** Whether a record's JSON passes the predicate's free text. */
export const textMatches = (p: Predicate, json: string): boolean => p.text === undefined || holdsText(json, p.text);

/** Whether a record's fields, read by `value`, pass the predicate's conditions. */
export function fieldsMatch(p: Predicate, value: (field: string) => unknown): boolean {
  for (const c of p.conditions) if (!c.test(value(c.field))) return false;
  return true;
}
