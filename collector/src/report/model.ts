// The compliance report's model: every figure the three renderers (markdown.ts, html.ts,
// json.ts) show, gathered once (build.ts). Its shape is the JSON format's, documented in
// docs/cli.md: keys are stable, lists are sorted, times are ISO 8601 UTC.
import type { AuditReport } from '../audit/verify.js';
import type { EpochReport } from '../log/verify.js';
import type { AccessSection } from './access.js';
import type { GapsSection } from './gaps.js';

export interface Report {
  /** The JSON format's version: a key removed or changed in meaning makes a new one. */
  format: 1;
  generated: string;
  /** The redtail version that made it. */
  version: string;
  /** The records counted are those with from <= start_time < to; days are the UTC days it touches. */
  period: { from: string; to: string; days: string[] };
  /** The log the evidence is signed by: checkpoints' origins are `<name>/<day>`. */
  log: { name: string; keyId: string; publicKey: string };
  records: RecordsSection;
  redactions: RedactionsSection;
  gaps: GapsSection;
  retention: RetentionSection;
  verify: VerifySection;
  access: AccessSection;
}

export interface RecordsSection {
  total: number;
  /** Records by service and day; a record without a service counts under "". */
  byServiceDay: { service: string; day: string; records: number }[];
  byService: { service: string; records: number }[];
  byDay: { day: string; records: number }[];
  /** Records over time: counts[i] is the records from start + i buckets, each `bucket` long. */
  timeline: { bucket: 'hour' | 'day'; start: string; counts: number[] };
  /** Blocks and records the store could not read back: left out of every figure above. */
  unreadable: { blocks: number; records: number };
}

export interface RedactionsSection {
  /** Values redacted in the period, all rules. */
  total: number;
  /** Per rule: values redacted, and records with at least one; most first. */
  rules: { rule: string; count: number; records: number }[];
}

export interface RetentionSection {
  /** Deletion notes of epochs in the period, or made in it; oldest epoch first. */
  deletions: Deletion[];
}

export interface Deletion {
  epoch: string;
  /** False when the note does not open with the log's key (then only `epoch` and `error` are known). */
  verified: boolean;
  time?: string;
  reason?: string;
  records?: number;
  root?: string;
  error?: string;
}

export interface VerifySection {
  /**
   * True when every epoch of the period verifies (an epoch deleted by retention, with its note,
   * verifies), and every day of the period's audit log.
   */
  ok: boolean;
  /** redtail verify's result for each epoch of the period found in the data folder. */
  epochs: EpochReport[];
  /** redtail verify's result for each day of the period's audit log. */
  audit: AuditReport[];
  /** The period's days the data folder holds nothing of (no shard, no checkpoint): no evidence either way. */
  unevidenced: string[];
  /** Each epoch's last signed checkpoint as kept, whole, so that an auditor can check it with the public key. */
  checkpoints: { epoch: string; time: string; size: number; root: string; note: string }[];
}

/** A table as both human renderers show it. */
export interface Table {
  /** What the table shows, said above it. */
  title: string;
  head: string[];
  rows: string[][];
  /** The columns whose cells are figures (aligned right). */
  numeric: number[];
}
