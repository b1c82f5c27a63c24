// The figure the target is read on: two modules' proxies side by side, where a difference of a
// few microseconds shows. Each module gets one long-lived `redtail proxy` (started once, warmed
// up once), and the same fixed-rate traffic goes through each in short windows, A B B A in one
// round and B A A B in the next, many rounds, each round's difference taken within it. Fresh
// proxies per run pay a start-up whose cost varies more than the difference; and at saturation
// the proxy shares the cores with the load generator, so every microsecond of its CPU stretches
// with how busy they are. Beside the CPU it counts what the kernel saw per request (read and
// write calls, context switches): equal counts say a difference is the module's own work, not
// the event loop waking or writing more often.
import { readFileSync } from 'node:fs';
import { cpuNanos, startProxy } from './processes.js';
import { drive } from './traffic.js';

/** What one proxy spent per request over a round's windows. */
export interface PairedWindow {
  cpuUs: number;
  reads: number;
  writes: number;
  switches: number;
  rps: number;
}

export interface PairedRound {
  round: number;
  a: PairedWindow;
  b: PairedWindow;
  /** Requests that failed in the round, both proxies: a round with any counts for nothing. */
  failed: number;
}

export const PAIRED_KEYS = ['cpuUs', 'reads', 'writes', 'switches'] as const;

interface Counts { ns: number; reads: number; writes: number; switches: number }

/** The kernel's counts of a process, every thread: CPU time, read and write calls, context switches. */
function counts(pid: number): Counts {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return {
    ns: cpuNanos(pid),
    reads: field(io, 'syscr'),
    writes: field(io, 'syscw'),
    switches: field(status, 'voluntary_ctxt_switches') + field(status, 'nonvoluntary_ctxt_switches'),
  };
}

export interface PairedSide { filter: string; configFile?: string }

/** Rounds of A and B at `rate`, each round `windowSeconds` of traffic for each side, in two halves around the other's. */
export async function pairedRounds(
  { a, b, rate, rounds, windowSeconds, warmupSeconds, upstream, collector }:
  { a: PairedSide; b: PairedSide; rate: number; rounds: number; windowSeconds: number; warmupSeconds: number; upstream: string; collector: string },
  progress: (r: PairedRound) => void = () => {},
): Promise<PairedRound[]> {
  const proxies = [] as Awaited<ReturnType<typeof startProxy>>[];
  try {
    for (const side of [a, b]) proxies.push(await startProxy({ ...side, upstream, collector }));
    for (const p of proxies) await drive(p.url, { seconds: warmupSeconds, rate });
    const out: PairedRound[] = [];
    for (let round = 0; round < rounds; round++) {
      const sums = proxies.map(() => ({ ns: 0, reads: 0, writes: 0, switches: 0, requests: 0, seconds: 0 }));
      let failed = 0;
      for (const i of round % 2 === 0 ? [0, 1, 1, 0] : [1, 0, 0, 1]) {
        const before = counts(proxies[i]!.pid);
        const load = await drive(proxies[i]!.url, { seconds: windowSeconds / 2, rate });
        const after = counts(proxies[i]!.pid);
        const s = sums[i]!;
        for (const k of ['ns', 'reads', 'writes', 'switches'] as const) s[k] += after[k] - before[k];
        s.requests += load.ok;
        s.seconds += load.seconds;
        failed += load.failed;
      }
      const [sa, sb] = sums.map((s): PairedWindow => ({
        cpuUs: s.ns / 1000 / s.requests, reads: s.reads / s.requests, writes: s.writes / s.requests, switches: s.switches / s.requests, rps: s.requests / s.seconds,
      }));
      const r = { round, a: sa!, b: sb!, failed };
      out.push(r);
      progress(r);
    }
    return out;
  } finally {
    await Promise.all(proxies.map((p) => p.stop()));
  }
}
