// The report built once, from a data folder and the log's public key; the renderers only
// format it. The store is opened as `redtail query` opens it, beside a running collector or not.
import type { Verifier } from '../log/note.js';
import { completeness } from '../sources/completeness.js';
import { DAY_MS, dayOf } from '../store/days.js';
import { Store } from '../store/store.js';
import { type AccessEntry, accessSection, auditedAccess } from './access.js';
import { retentionSection, verifySection } from './evidence.js';
import { gapsSection } from './gaps.js';
import type { Report } from './model.js';
import { countRecords, type Progress } from './records.js';

export interface ReportOptions {
  data: string;
  verifier: Verifier;
  /** The period, [from, to) in ms. */
  from: number;
  to: number;
  version: string;
  now?: number;
  /** The access entries of the period; by default the data folder's audit log's. */
  access?: AccessEntry[];
  onProgress?: (p: Progress) => void;
}

/** The UTC days [from, to) touches, oldest first. */
export function periodDays(from: number, to: number): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${dayOf(from)}T00:00:00Z`); t < to; t += DAY_MS) days.push(dayOf(t));
  return days;
}

export function buildReport(o: ReportOptions): Report {
  const iso = (ms: number) => new Date(ms).toISOString();
  const days = periodDays(o.from, o.to);
  const store = new Store(o.data);
  let counted;
  let known;
  try {
    counted = countRecords(store, o.from, o.to, { onProgress: o.onProgress });
    known = completeness(store, { from: o.from, to: o.to });
  } finally {
    store.close();
  }
  const v = o.verifier;
  return {
    format: 1,
    generated: iso(o.now ?? Date.now()),
    version: o.version,
    period: { from: iso(o.from), to: iso(o.to), days },
    log: { name: v.name, keyId: v.id.toString(16).padStart(8, '0'), publicKey: v.text },
    records: counted.records,
    redactions: counted.redactions,
    gaps: gapsSection(known.dropped, { complete: true, known }),
    retention: retentionSection(o.data, v, days, o.from, o.to),
    verify: verifySection(o.data, v, days),
    access: accessSection(o.access ?? auditedAccess(o.data, o.from, o.to)),
  };
}
