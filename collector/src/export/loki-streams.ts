// Records into Loki streams, once for both encodings: a stream per distinct label set in the order
// its first record came, each stream's entries in the order given (Loki orders a stream by time
// and takes entries out of order only within a window, so the store's order is kept).
import type { StoredRecord } from './encoder.js';
import { type CheckedLokiOptions, labelText, UNLABELLED, valueOf } from './loki-labels.js';

export interface Entry {
  /** start_time, ms since the epoch (the store keeps it to the millisecond). */
  ms: number;
  /** The record's JSON. */
  line: string;
  /** The configured metadata fields the record has, in the configured order. */
  metadata: [string, string][];
}

export interface Stream {
  /** Sorted by name, as Loki keys a stream. */
  labels: [string, string][];
  /** The labels as Loki's protobuf push writes them: `{service="a", status_class="5xx"}`. */
  text: string;
  entries: Entry[];
}

export function streamsOf(records: StoredRecord[], options: CheckedLokiOptions): Stream[] {
  const names = [...options.labels].sort();
  const streams = new Map<string, Stream>();
  for (const record of records) {
    const labels = pairs(record, names);
    if (labels.length === 0) labels.push(...UNLABELLED);
    const text = labelText(labels);
    let stream = streams.get(text);
    if (stream === undefined) streams.set(text, (stream = { labels, text, entries: [] }));
    stream.entries.push({ ms: startTime(record), line: JSON.stringify(record), metadata: pairs(record, options.metadata) });
  }
  return [...streams.values()];
}

function pairs(record: StoredRecord, names: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const name of names) {
    const value = valueOf(record, name);
    if (value !== undefined) out.push([name, value]);
  }
  return out;
}

function startTime(record: StoredRecord): number {
  const ms = typeof record.start_time === 'string' ? Date.parse(record.start_time) : NaN;
  // Every stored record has one (ingest refuses a record without): a record without is not one of the store's.
  if (Number.isNaN(ms)) throw new TypeError(`loki export: a stored record without a valid start_time: ${JSON.stringify(record.start_time)}`);
  return ms;
}
