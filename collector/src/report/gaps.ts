// The report's completeness section, made of plain data: what the collector knows of the period
// (sources/completeness.ts: per identity the batches that never arrived and the silences), the
// producers' gap notices, and per source what they add up to; and the tables both human
// renderers show of it.
import type { GapNotice } from '../query/query.js';
import type { Completeness } from '../sources/completeness.js';
import type { Table } from './model.js';

export interface GapsSection {
  /** The notices, newest first. */
  notices: GapNotice[];
  /** Per source: notices and records it said it dropped; most dropped first. */
  sources: { source: string; notices: number; dropped: number }[];
  dropped: number;
  /** False when there were more notices than were read: the figures are then a floor. */
  complete: boolean;
  /** Per identity (a workload or node), the runs of batches that never arrived, and the silences. */
  identities: Completeness['identities'];
  missing: Completeness['missing'];
  silences: Completeness['silences'];
  /** Why the sources file could not be read (then nothing is known missing or silent), or null. */
  unreadable: string | null;
}

type Known = Pick<Completeness, 'identities' | 'missing' | 'silences'> & Partial<Pick<Completeness, 'sources_unreadable'>>;
const NOTHING_KNOWN: Known = { identities: [], missing: [], silences: [] };

export function gapsSection(notices: GapNotice[], { complete, known = NOTHING_KNOWN }: { complete: boolean; known?: Known }): GapsSection {
  const bySource = new Map<string, { source: string; notices: number; dropped: number }>();
  for (const g of notices) {
    const s = bySource.get(g.source) ?? { source: g.source, notices: 0, dropped: 0 };
    s.notices++;
    s.dropped += g.dropped;
    bySource.set(g.source, s);
  }
  const sources = [...bySource.values()].sort((a, b) => b.dropped - a.dropped || (a.source < b.source ? -1 : 1));
  return { notices, sources, dropped: sources.reduce((n, s) => n + s.dropped, 0), complete,
    identities: known.identities, missing: known.missing, silences: known.silences, unreadable: known.sources_unreadable ?? null };
}

/** Nothing to show: no identity known in the period, no notice, and the ledger was read. */
export const nothingLost = (g: GapsSection): boolean => g.unreadable === null && g.identities.length + g.missing.length + g.silences.length + g.notices.length === 0;

/** The section's tables, as both human renderers show them; empty ones left out. */
export function gapTables(g: GapsSection, figure: (n: number) => string): Table[] {
  const tables: Table[] = [
    { title: 'Per identity (a workload or node)', head: ['identity', 'sources', 'batches missing', 'records dropped', 'silences', 'last batch'], numeric: [1, 2, 3, 4],
      rows: g.identities.map((i) => [i.identity, figure(i.sources), figure(i.batches_missing), figure(i.records_dropped), figure(i.silences), i.last_batch ?? '-']) },
    { title: 'Batches that never arrived', head: ['source', 'batches missing', 'seq', 'after', 'found'], numeric: [1],
      rows: g.missing.map((m) => [m.source, figure(m.batches), m.from_seq === m.to_seq ? String(m.from_seq) : `${m.from_seq}-${m.to_seq}`, m.after, m.found]) },
    { title: 'Silences (no batch for longer than sources.silent_after_ms)', head: ['silent identity', 'from', 'to'], numeric: [],
      rows: g.silences.map((s) => [s.identity, s.since, s.until ?? 'still silent']) },
    { title: 'Records the producers said they dropped, per source', head: ['source', 'notices', 'records dropped'], numeric: [1, 2], rows: g.sources.map((s) => [s.source, figure(s.notices), figure(s.dropped)]) },
    { title: 'Each gap notice', head: ['source', 'from', 'to', 'dropped', 'reason'], numeric: [3], rows: g.notices.map((n) => [n.source, n.since, n.until, figure(n.dropped), n.reason]) },
  ];
  return tables.filter((t) => t.rows.length > 0);
}
