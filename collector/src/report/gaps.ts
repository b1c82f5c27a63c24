// The report's completeness section, made of plain data: the producers' gap notices (query.ts
// gaps(), GET /v1/gaps) in the period, and per source what they add up to. Whatever knows more
// about completeness (missing batches, silent sources) hands its figures to this function too.
import type { GapNotice } from '../query/query.js';

export interface GapsSection {
  /** The notices, newest first. */
  notices: GapNotice[];
  /** Per source: notices and records it said it dropped; most dropped first. */
  sources: { source: string; notices: number; dropped: number }[];
  dropped: number;
  /** False when there were more notices than were read: the figures are then a floor. */
  complete: boolean;
}

export function gapsSection(notices: GapNotice[], { complete }: { complete: boolean }): GapsSection {
  const bySource = new Map<string, { source: string; notices: number; dropped: number }>();
  for (const g of notices) {
    const s = bySource.get(g.source) ?? { source: g.source, notices: 0, dropped: 0 };
    s.notices++;
    s.dropped += g.dropped;
    bySource.set(g.source, s);
  }
  const sources = [...bySource.values()].sort((a, b) => b.dropped - a.dropped || (a.source < b.source ? -1 : 1));
  return { notices, sources, dropped: sources.reduce((n, s) => n + s.dropped, 0), complete };
}
