// Completeness over a period, as plain data, for the report and GET /v1/completeness: per
// identity, the batches that never arrived, the records its producers said they dropped, and
// its silences; with each run of missing batches and each gap notice. Read from the data folder
// (the ledger beside the shards, and the shards' gap notices), so it answers with the collector
// running or not.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gaps, type GapNotice, MAX_LIMIT } from '../query/query.js';
import type { Store } from '../store/store.js';
import { identityOf } from './identity.js';
import { Ledger, type MissingRow, type SilenceRow, SOURCES_FILE, type SourceRow } from './ledger.js';

export interface MissingRun {
  source: string;
  identity: string;
  /** The first and last sequence numbers that never arrived, and how many. */
  from_seq: number;
  to_seq: number;
  batches: number;
  /** Between the source's batch before them and the one after (ISO). */
  after: string;
  found: string;
}

export interface Silence {
  identity: string;
  /** The identity's last batch before it fell silent (ISO). */
  since: string;
  /** Its next batch, or null: still silent. */
  until: string | null;
}

export interface IdentityCompleteness {
  identity: string;
  /** Sources (one a VM's life) that sent in the period, as far as the ledger knows. */
  sources: number;
  batches_missing: number;
  records_dropped: number;
  silences: number;
  /** Its last batch known (ISO; may be after the period), or null when the period's only word of it is a gap notice. */
  last_batch: string | null;
}

export interface Completeness {
  from: string;
  to: string;
  identities: IdentityCompleteness[];
  missing: MissingRun[];
  dropped: (GapNotice & { identity: string })[];
  silences: Silence[];
  /** Why sources.db could not be read (damaged, or another database): then no batch is known missing nor identity silent; else null. */
  sources_unreadable: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** What is known of the trail's completeness in [from, to) (ms since the epoch). */
export function completeness(store: Store, { from, to }: { from: number; to: number }): Completeness {
  const file = join(store.dir, SOURCES_FILE);
  let ledger: Ledger | undefined;
  let rows: { sources: SourceRow[]; missing: MissingRow[]; silences: SilenceRow[] } = { sources: [], missing: [], silences: [] };
  let unreadable: string | null = null;
  try {
    ledger = existsSync(file) ? new Ledger(store.dir, { readonly: true }) : undefined;
    if (ledger) rows = { sources: ledger.sources(), missing: ledger.missing({ from, to }), silences: ledger.silences({ from, to }) };
  } catch (err) {
    unreadable = `${SOURCES_FILE} could not be read (${(err as Error).message})`;
  } finally {
    ledger?.close();
  }
  {
    const sources = rows.sources.filter((s) => s.last_seen >= from && s.first_seen < to);
    const missing: MissingRun[] = rows.missing.map((m) => ({
      source: m.source, identity: identityOf(m.source), from_seq: m.from_seq, to_seq: m.to_seq, batches: m.to_seq - m.from_seq + 1, after: iso(m.after), found: iso(m.found),
    }));
    const silences: Silence[] = rows.silences.map((s) => ({ identity: s.identity, since: iso(s.since), until: s.until === null ? null : iso(s.until) }));
    const dropped: Completeness['dropped'] = [];
    let cursor: string | undefined;
    do {
      const page = gaps(store, { since: iso(from), until: iso(to), limit: MAX_LIMIT, cursor });
      for (const g of page.gaps) dropped.push({ ...g, identity: identityOf(g.source) });
      cursor = page.next ?? undefined;
    } while (cursor !== undefined);
    const by = new Map<string, IdentityCompleteness>();
    const of = (identity: string) => {
      let i = by.get(identity);
      if (i === undefined) by.set(identity, (i = { identity, sources: 0, batches_missing: 0, records_dropped: 0, silences: 0, last_batch: null }));
      return i;
    };
    for (const s of sources) {
      const i = of(s.identity);
      i.sources++;
      const last = iso(s.last_seen);
      if (i.last_batch === null || last > i.last_batch) i.last_batch = last;
    }
    for (const m of missing) of(m.identity).batches_missing += m.batches;
    for (const g of dropped) of(g.identity).records_dropped += g.dropped;
    for (const s of silences) of(s.identity).silences++;
    const identities = [...by.values()].sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
    return { from: iso(from), to: iso(to), identities, missing, dropped, silences, sources_unreadable: unreadable };
  }
}
