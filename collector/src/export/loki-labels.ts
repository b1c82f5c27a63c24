// Which of a record's fields may become Loki labels and structured metadata, and the values they
// take. Loki keeps a stream, with its own index entries and chunks, per distinct label set: a
// label of many values (an id, a path, anything the client chooses) multiplies streams until
// Loki refuses the tenant's writes. So labels are limited to fields whose values the mesh's own
// configuration bounds; ids go to structured metadata, everything else stays in the line, for
// `| json` in LogQL.
import { fail } from '../config-error.js';
import { FIELD } from '../record/schema.js';
import type { StoredRecord } from './encoder.js';

/** The status class, "2xx": derived from response_code, the one label that is not a field. */
export const STATUS_CLASS = 'status_class';

/**
 * Fields of few values, each a valid Loki label name. Left out on purpose: method, authority
 * and requested_server_name (the client writes them), node (a pod's, renamed by every rollout),
 * and every id, path, address, time and size.
 */
export const BOUNDED_LABELS: readonly string[] = [
  'service', 'namespace', 'workload', STATUS_CLASS, 'response_code', 'protocol', 'response_flags', 'upstream_cluster', 'route_name',
];

export const DEFAULT_LABELS: readonly string[] = ['service', 'namespace', STATUS_CLASS];
export const DEFAULT_METADATA: readonly string[] = ['request_id', 'trace_id', 'span_id'];

/**
 * The label set of a stream whose record has none of the configured labels (Loki refuses a
 * stream without labels): the name Loki itself gives a stream whose service it cannot tell.
 */
export const UNLABELLED: [string, string][] = [['service_name', 'unknown_service']];

export interface LokiOptions {
  encoding: 'json' | 'protobuf';
  /** Label names, from BOUNDED_LABELS (default DEFAULT_LABELS). */
  labels?: string[];
  /** Fields sent as structured metadata when a record has them (default DEFAULT_METADATA). */
  metadata?: string[];
}

export type CheckedLokiOptions = Required<LokiOptions>;

/**
 * The options with their defaults, or a ConfigError naming the option: `field` is where they sit
 * in the config file ("exporters[0]"), for the message.
 */
export function checkLokiOptions(options: unknown, { field = 'loki' }: { field?: string } = {}): CheckedLokiOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail(field, 'an object', options);
  const o = options as Record<string, unknown>;
  if (o.encoding !== 'json' && o.encoding !== 'protobuf') fail(`${field}.encoding`, '"json" or "protobuf"', o.encoding);
  const labels = names(o.labels ?? DEFAULT_LABELS, `${field}.labels`, (name) => BOUNDED_LABELS.includes(name),
    `one of ${BOUNDED_LABELS.join(', ')} (Loki keeps a stream per label set: ids, paths and what clients choose would make one per value; keep ids in "metadata" and query the rest with | json)`);
  if (labels.length === 0) fail(`${field}.labels`, 'at least one label (Loki refuses a stream without labels)', o.labels);
  const metadata = names(o.metadata ?? DEFAULT_METADATA, `${field}.metadata`, (name) => FIELD.has(name) && FIELD.get(name)?.type !== 'object',
    'a record field of one value (a string or a number): structured metadata pairs a name with a text');
  return { encoding: o.encoding, labels, metadata };
}

function names(value: unknown, field: string, allowed: (name: string) => boolean, expected: string): string[] {
  if (!Array.isArray(value)) fail(field, 'a list of field names', value);
  value.forEach((name, i) => {
    if (typeof name !== 'string' || !allowed(name)) fail(`${field}[${i}]`, expected, name);
    if (value.indexOf(name) !== i) fail(`${field}[${i}]`, 'a name not already listed', name);
  });
  return [...value] as string[];
}

/** A field's value as a label or metadata text; undefined when the record lacks it or it is empty (Loki refuses empty values). */
export function valueOf(record: StoredRecord, name: string): string | undefined {
  if (name === STATUS_CLASS) {
    const code = record.response_code;
    // The classes the query filter takes; 0 (no response) and codes outside them get none.
    return typeof code === 'number' && code >= 100 && code <= 599 ? `${Math.floor(code / 100)}xx` : undefined;
  }
  const v = record[name];
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || v === '') return undefined;
  // A lone surrogate (a JSON \ud800 escape) is not UTF-8: Loki would refuse the whole request.
  return v.replace(/\p{Surrogate}/gu, '\uFFFD');
}

/**
 * The label set as Loki's protobuf push and its index write it: `{a="x", b="y\"z"}`, names
 * sorted, values as Go string literals (JSON's escapes are a subset of Go's).
 */
export function labelText(pairs: [string, string][]): string {
  return `{${pairs.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(', ')}}`;
}
