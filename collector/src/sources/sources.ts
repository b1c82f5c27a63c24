// Completeness, as batches arrive: per source, sequence numbers that never came (a jump; a late
// batch fills its place again); per identity, records its producers said they dropped (gap
// notices) and silence (no batch for longer than `silentAfterMs`). Each finding is a notice for
// the live tail and a line in the ledger (ledger.ts), so it survives a restart; /metrics shows
// the figures per identity, never per source (a source is one VM's life: too many labels).
import type { Gap } from '../ingest/validate.js';
import type { Store } from '../store/store.js';
import { identityOf, sequenced } from './identity.js';
import type { Ledger, SourceRow } from './ledger.js';

export interface SourcesOptions {
  /** An identity that sends no batch for this long is silent. */
  silentAfterMs: number;
  /** An identity silent this long leaves /metrics (it stays in the ledger and the report). */
  forgetAfterMs: number;
  /** Most identities /metrics shows: the latest heard. */
  maxIdentities: number;
}

/** What the live tail is told, as `{"notice": …}`; `message` says it for people (the CLI and the page print it as it is). */
export type Notice = { message: string } & (
  | { kind: 'missing'; source: string; identity: string; batches: number; from_seq: number; to_seq: number; after: string; found: string }
  | { kind: 'dropped'; source: string; identity: string; dropped: number; since: string; until: string; reason: string }
  | { kind: 'silent'; identity: string; last_batch: string; silent_after_ms: number }
  | { kind: 'back'; identity: string; silent_since: string; at: string });

/** One identity's figures, as /metrics shows them. */
export interface IdentityFigures {
  identity: string;
  /** Batches missing now (a late one lowers it). */
  missing: number;
  /** Records its producers said they dropped. */
  dropped: number;
  lastBatch: number;
  silent: boolean;
}

interface Known extends SourceRow {
  /** Read from the ledger and not seen since: its last sequence number may lag the shards. */
  stale: boolean;
  dirty: boolean;
}

interface Identity {
  lastBatch: number;
  missing: number;
  dropped: number;
  silent: boolean;
}

/** Most sequence numbers looked up in the shards when a source first sends after a restart. */
const MOST_LOOKED_UP = 10_000;
/** Numbers looked up before a source's first batch the ledger has not seen. */
const LOOKED_BACK = 16;

const iso = (ms: number) => new Date(ms).toISOString();

export class Sources {
  private readonly sources = new Map<string, Known>();
  private readonly identities = new Map<string, Identity>();
  private readonly started: number;

  constructor(private readonly ledger: Ledger, private readonly store: Store, readonly options: SourcesOptions, now = Date.now()) {
    this.started = now;
    for (const row of ledger.sources()) {
      this.sources.set(row.source, { ...row, stale: true, dirty: false });
      this.identity(row.identity).lastBatch = Math.max(this.identity(row.identity).lastBatch, row.last_seen);
    }
    for (const run of ledger.missing()) this.identity(identityOf(run.source)).missing += run.to_seq - run.from_seq + 1;
    for (const s of ledger.silences()) if (s.until === null) this.identity(s.identity).silent = true;
    for (const shard of store.list()) {
      const sql = "SELECT coalesce(nullif(g.source, ''), b.source) AS source, sum(g.dropped) AS dropped FROM gaps g JOIN batches b ON b.id = g.batch GROUP BY 1";
      for (const g of shard.statement(sql).all() as { source: string | null; dropped: number }[]) {
        if (g.source !== null) this.identity(identityOf(g.source)).dropped += g.dropped;
      }
    }
  }

  private identity(name: string): Identity {
    let i = this.identities.get(name);
    if (i === undefined) this.identities.set(name, (i = { lastBatch: -Infinity, missing: 0, dropped: 0, silent: false }));
    return i;
  }

  /** A batch stored (not a retry): what it shows of its source, as notices. */
  arrived(batch: string | undefined, gaps: Gap[], received: number): Notice[] {
    const notices: Notice[] = [];
    const id = batch === undefined ? undefined : sequenced(batch);
    for (const g of gaps) {
      const source = g.source || id?.source || '';
      const identity = identityOf(source);
      if (source) this.identity(identity).dropped += g.dropped;
      notices.push({ kind: 'dropped', source, identity, dropped: g.dropped, since: iso(g.since), until: iso(g.until), reason: g.reason,
        message: `${g.dropped} records lost by ${source || 'a producer'} between ${iso(g.since)} and ${iso(g.until)} (${g.reason || 'no reason given'})` });
    }
    if (id === undefined) return notices;
    const identity = identityOf(id.source);
    const who = this.identity(identity);
    if (who.silent) {
      const since = who.lastBatch;
      this.ledger.back(identity, received);
      who.silent = false;
      notices.push({ kind: 'back', identity, silent_since: iso(since), at: iso(received),
        message: `${identity} sends again at ${iso(received)}, silent since its batch at ${iso(since)}` });
    }
    who.lastBatch = Math.max(who.lastBatch, received);
    let known = this.sources.get(id.source);
    if (known === undefined) {
      known = { source: id.source, identity, last_seq: this.storedBefore(id.source, id.seq), first_seen: received, last_seen: received, stale: false, dirty: true };
      this.sources.set(id.source, known);
    }
    if (id.seq > known.last_seq + 1) {
      const notice = this.jump(known, id.seq, received);
      if (notice) notices.push(notice);
    } else if (id.seq <= known.last_seq) {
      const run = this.ledger.missingRun(id.source, id.seq);
      if (run) {
        this.ledger.fill(run, id.seq);
        who.missing--;
      }
    }
    known.stale = false;
    known.last_seq = Math.max(known.last_seq, id.seq);
    known.last_seen = Math.max(known.last_seen, received);
    known.dirty = true;
    return notices;
  }

  /**
   * For a source the ledger does not know, sending `seq` above 1: the last of the few numbers
   * before it that the shards hold, else 0. It sent before the ledger knew it (the data folder
   * of an older collector, or a crash before its first save), and what came before is not missing.
   */
  private storedBefore(source: string, seq: number): number {
    const shards = this.store.list().reverse();
    for (let n = seq - 1; n >= Math.max(1, seq - LOOKED_BACK); n--) if (shards.some((s) => s.hasBatch(`${source}/${n}`))) return n;
    return 0;
  }

  /**
   * Sequence numbers after the last one known and before `seq` never came: a run missing, kept
   * at once. After a restart the ledger's last number may lag the shards (it is saved every
   * moment, not every batch): those the shards hold are not missing.
   */
  private jump(known: Known, seq: number, received: number): Notice | undefined {
    let from = known.last_seq + 1;
    if (known.stale) {
      const shards = this.store.list().reverse();
      const stored = (n: number) => shards.some((s) => s.hasBatch(`${known.source}/${n}`));
      while (from < seq && from <= known.last_seq + MOST_LOOKED_UP && stored(from)) from++;
    }
    if (from >= seq) return undefined;
    const run = { source: known.source, from_seq: from, to_seq: seq - 1, after: known.last_seen, found: received };
    this.ledger.together(() => {
      this.ledger.addMissing(run);
      this.ledger.saveSource({ ...known, last_seq: seq, last_seen: received });
    });
    this.identity(known.identity).missing += run.to_seq - run.from_seq + 1;
    const batches = run.to_seq - run.from_seq + 1;
    return { kind: 'missing', source: known.source, identity: known.identity, batches, from_seq: run.from_seq, to_seq: run.to_seq, after: iso(run.after), found: iso(received),
      message: `${batches} batches of ${known.source} never arrived (seq ${run.from_seq}${batches > 1 ? `-${run.to_seq}` : ''}, between ${iso(run.after)} and ${iso(received)})` };
  }

  /**
   * Identities silent as of `now`, newly: each kept in the ledger and told. After a start each
   * identity gets `silentAfterMs` to send before it is called silent (the collector was away).
   */
  check(now = Date.now()): Notice[] {
    const notices: Notice[] = [];
    const { silentAfterMs } = this.options;
    for (const [name, who] of this.identities) {
      if (who.silent || who.lastBatch === -Infinity) continue;
      if (now - Math.max(who.lastBatch, this.started) <= silentAfterMs) continue;
      who.silent = true;
      this.ledger.silent(name, who.lastBatch);
      notices.push({ kind: 'silent', identity: name, last_batch: iso(who.lastBatch), silent_after_ms: silentAfterMs,
        message: `${name} is silent: no batch since ${iso(who.lastBatch)} (sources.silent_after_ms is ${silentAfterMs})` });
    }
    return notices;
  }

  /** Each source's last sequence number and time, into the ledger. */
  save(): void {
    const dirty = [...this.sources.values()].filter((s) => s.dirty);
    if (dirty.length === 0) return;
    this.ledger.together(() => {
      for (const s of dirty) {
        this.ledger.saveSource(s);
        s.dirty = false;
      }
    });
  }

  /**
   * Identities sent from within `forgetAfterMs` of `now`, the `maxIdentities` latest heard, by
   * name: what /metrics shows; and how many more there are (`unshown`).
   */
  figures(now = Date.now()): { shown: IdentityFigures[]; unshown: number } {
    const recent = [...this.identities].filter(([, who]) => now - who.lastBatch <= this.options.forgetAfterMs);
    const shown = recent.length <= this.options.maxIdentities ? recent
      : recent.reverse().sort(([, a], [, b]) => b.lastBatch - a.lastBatch).slice(0, this.options.maxIdentities); // reversed first: of two heard in the same ms, the one known later
    return {
      shown: shown
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([identity, who]) => ({ identity, missing: who.missing, dropped: who.dropped, lastBatch: who.lastBatch, silent: who.silent })),
      unshown: recent.length - shown.length,
    };
  }

  /** Let go, in memory, of sources and identities last heard from before `before` (ms); the ledger forgets them too. */
  forget(before: number): void {
    for (const [name, s] of this.sources) if (s.last_seen < before && !s.dirty) this.sources.delete(name);
    for (const [name, who] of this.identities) if (who.lastBatch < before) this.identities.delete(name);
    this.ledger.forget(before);
  }
}
