// The collector's own metrics, in Prometheus text on GET /metrics: records and bytes ingested,
// batches rejected by reason, duplicates, tail subscribers and drops, shards and their size,
// how long batch writes take, and each identity's completeness (batches missing, records its
// producers dropped, seconds since its last batch, silent or not), labelled by identity only: a
// workload or node, never one VM's source id, so the labels stay as few as the workloads.
import type { ExporterFigures } from './export/exporters.js';
import { Exposition } from './prometheus.js';
import type { Sources } from './sources/sources.js';
import type { Store } from './store/store.js';
import type { TailHub } from './tail/tail.js';

/** Why a batch was refused: the label values of redtail_batches_rejected_total. */
export const REJECT_REASONS = ['invalid', 'unreadable', 'too_large', 'media_type', 'unauthorized', 'forbidden', 'busy', 'stalled'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

const WRITE_BUCKETS_MS = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000];

export class CollectorMetrics {
  records = 0;
  bytes = 0;
  batches = 0;
  duplicates = 0;
  readonly rejected = new Map<string, number>();
  /** Requests whose token was refused (401, 403), each written to the audit log. */
  auditRefused = 0;
  /** The exporters' latest figures (export/exporters.ts). */
  exporters: () => ExporterFigures[] = () => [];
  private readonly writeBuckets = WRITE_BUCKETS_MS.map(() => 0);
  private writeCount = 0;
  private writeSum = 0;

  reject(reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  wrote(ms: number): void {
    const i = WRITE_BUCKETS_MS.findIndex((le) => ms <= le);
    if (i >= 0) this.writeBuckets[i]!++;
    this.writeCount++;
    this.writeSum += ms;
  }

  /** `audited`: entries written to the audit log since start. */
  prometheus(store: Store, tail: TailHub, sources: Sources, { audited = 0, now = Date.now() }: { audited?: number; now?: number } = {}): string {
    const out = new Exposition();
    const metric = out.add.bind(out);
    metric('redtail_records_ingested_total', 'counter', 'Records stored.', this.records);
    metric('redtail_bytes_ingested_total', 'counter', 'Bytes of batches stored.', this.bytes);
    metric('redtail_batches_stored_total', 'counter', 'Batches stored.', this.batches);
    metric('redtail_batches_duplicate_total', 'counter', 'Batches whose id had been stored before (retries).', this.duplicates);
    metric('redtail_batches_rejected_total', 'counter', 'Batches refused, by reason.',
      REJECT_REASONS.map((r) => `redtail_batches_rejected_total{reason="${r}"} ${this.rejected.get(r) ?? 0}`));
    metric('redtail_unreadable_blocks_total', 'counter', 'Stored blocks found unreadable when read back (skipped; logged as block_unreadable).', store.unreadable.blocks);
    metric('redtail_unreadable_records_total', 'counter', 'Stored records found unreadable when read back (skipped; logged as record_unreadable).', store.unreadable.records);
    metric('redtail_tail_subscribers', 'gauge', 'Live tail connections.', tail.size);
    metric('redtail_tail_held_bytes', 'gauge', 'Bytes held for live tails (records and notices queued, and unsent on their sockets), each within limits.tail_queue_bytes.', tail.held);
    metric('redtail_tail_dropped_total', 'counter', 'Records dropped for tail subscribers that fell behind.', tail.drops);
    metric('redtail_tail_refused_total', 'counter', 'Live tails refused because limits.tail_subscribers were open.', tail.refused);
    metric('redtail_audit_entries_total', 'counter', 'Entries written to the audit log (reads, tails, refused tokens, retention, start and stop).', audited);
    metric('redtail_audit_refused_total', 'counter', 'Requests refused for their token (401, 403); each is an audit entry.', this.auditRefused);
    const shards = store.list();
    let size = 0;
    let lag = 0;
    for (const s of shards) {
      size += s.bytes();
      lag += s.wordsLag();
    }
    metric('redtail_shards', 'gauge', 'SQLite shard files.', shards.length);
    metric('redtail_shards_unopenable', 'gauge', 'Shard files that could not be opened (left out of every answer; logged as shard_unopenable).', store.unopenable.size);
    metric('redtail_shard_bytes', 'gauge', 'Bytes on disk in shard files (with their WAL, shared memory and free-text index).', size);
    metric('redtail_words_index_lag_blocks', 'gauge', 'Blocks not in the free-text index yet (queries read them in full).', lag);
    let cumulative = 0;
    metric('redtail_write_duration_ms', 'histogram', 'Time to validate and commit a batch, ms.', [
      ...WRITE_BUCKETS_MS.map((le, i) => `redtail_write_duration_ms_bucket{le="${le}"} ${(cumulative += this.writeBuckets[i]!)}`),
      `redtail_write_duration_ms_bucket{le="+Inf"} ${this.writeCount}`,
      `redtail_write_duration_ms_sum ${this.writeSum.toFixed(3)}`,
      `redtail_write_duration_ms_count ${this.writeCount}`,
    ]);
    const exporters = this.exporters();
    const each = (name: string, value: (e: ExporterFigures) => number) => exporters.map((e) => `${name}{exporter="${label(e.name)}"} ${value(e)}`);
    metric('redtail_export_records_total', 'counter', 'Records an exporter\'s receiver accepted.', each('redtail_export_records_total', (e) => e.exported));
    metric('redtail_export_batches_refused_total', 'counter', 'Batches an exporter\'s receiver refused for good (logged as export_refused; skipped).',
      each('redtail_export_batches_refused_total', (e) => e.batchesRefused));
    metric('redtail_export_records_refused_total', 'counter', 'Records in those batches, and records a receiver took a batch without (OTLP partial success).', each('redtail_export_records_refused_total', (e) => e.recordsRefused));
    metric('redtail_export_retries_total', 'counter', 'Requests tried again because the receiver was busy, out of reach, or not taking requests sent this way (misdirected).', each('redtail_export_retries_total', (e) => e.retries));
    metric('redtail_export_lag_records', 'gauge', 'Records stored past an exporter\'s cursor (waiting to be sent or filtered).', each('redtail_export_lag_records', (e) => e.lag.records));
    metric('redtail_export_lag_seconds', 'gauge', 'Age of the oldest record past an exporter\'s cursor, by its time; 0 when none waits.', each('redtail_export_lag_seconds', (e) => e.lag.seconds));
    metric('redtail_export_up', 'gauge', 'Whether an exporter\'s receiver judged its last request (1: accepted or refused it) or was busy, out of reach or misdirected (0).', each('redtail_export_up', (e) => (e.up ? 1 : 0)));
    const { shown: figures, unshown } = sources.figures(now);
    metric('redtail_source_identities_unshown', 'gauge', 'Identities heard within sources.forget_after_ms that /metrics leaves out, past sources.max_identities (the latest heard are shown).',
      [`redtail_source_identities_unshown ${unshown}`]);
    const per = (name: string, value: (f: (typeof figures)[number]) => number) => figures.map((f) => `${name}{identity="${label(f.identity)}"} ${value(f)}`);
    metric('redtail_source_batches_missing', 'gauge', 'Batches of the identity that never arrived (a jump in a source\'s sequence; lowered when a late one comes).',
      per('redtail_source_batches_missing', (f) => f.missing));
    metric('redtail_source_records_dropped_total', 'counter', 'Records the identity\'s producers said they dropped (gap notices), in the shards kept.',
      per('redtail_source_records_dropped_total', (f) => f.dropped));
    metric('redtail_source_seconds_since_batch', 'gauge', 'Seconds since the identity\'s last batch.',
      per('redtail_source_seconds_since_batch', (f) => Math.max(0, (now - f.lastBatch) / 1000)));
    metric('redtail_source_silent', 'gauge', 'Whether the identity sent no batch for longer than sources.silent_after_ms (1) or not (0).',
      per('redtail_source_silent', (f) => (f.silent ? 1 : 0)));
    return out.text();
  }
}

/** A label value as Prometheus text writes it: backslash, quote and newline escaped. */
function label(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}
