// Where a module's cost goes inside the proxy: the same two long-lived proxies as the paired
// figure, run with `redtail proxy --profile`, which times every callback into the module (its
// host calls included) and every host call it makes. Per request, that splits the module's
// share of the proxy's CPU into its own code and the host's work for it; what the paired figure
// holds beyond it is the proxy's (Node's) work made slower by the module being there (caches),
// shipping's sockets, and garbage collection. The timers cost a little per call, so these
// proxies are not the ones the paired CPU figure is read on.
import { startProxy } from './processes.js';
import { drive } from './traffic.js';
import type { PairedSide } from './paired.js';

interface Profile { callbacks: Record<string, { calls: number; ns: number }>; hostCalls: Record<string, { calls: number; ns: number }> }

/** One window of one proxy, per request: µs in each callback and each host call, and calls of each. */
export interface InsideWindow {
  callbacksUs: number;
  hostCallsUs: number;
  byCallback: Record<string, number>;
  byHostCall: Record<string, { us: number; calls: number }>;
}

export interface InsideRound { round: number; a: InsideWindow; b: InsideWindow; failed: number }

async function profile(admin: string): Promise<Profile> {
  const res = await fetch(`${admin}/stats/profile`);
  if (!res.ok) throw new Error(`overhead: ${admin}/stats/profile answered ${res.status}: the proxy was not started with --profile`);
  return (await res.json()) as Profile;
}

/** What happened between two profiles, per request. */
function perRequest(before: Profile, after: Profile, requests: number): InsideWindow {
  const diff = (b: Profile['callbacks'], a: Profile['callbacks']) => Object.entries(a).flatMap(([name, { calls, ns }]) => {
    const d = { calls: calls - (b[name]?.calls ?? 0), ns: ns - (b[name]?.ns ?? 0) };
    return d.calls > 0 ? [[name, { us: d.ns / 1000 / requests, calls: d.calls / requests }] as const] : [];
  });
  const callbacks = diff(before.callbacks, after.callbacks);
  const hostCalls = diff(before.hostCalls, after.hostCalls);
  const sum = (list: typeof callbacks) => list.reduce((n, [, v]) => n + v.us, 0);
  return {
    callbacksUs: sum(callbacks), hostCallsUs: sum(hostCalls),
    byCallback: Object.fromEntries(callbacks.map(([name, v]) => [name, v.us])),
    byHostCall: Object.fromEntries(hostCalls),
  };
}

/** Rounds of A and B at `rate`, alternating, each `windowSeconds`, read from the proxies' profiles. */
export async function insideRounds(
  { a, b, rate, rounds, windowSeconds, warmupSeconds, upstream, collector }:
  { a: PairedSide; b: PairedSide; rate: number; rounds: number; windowSeconds: number; warmupSeconds: number; upstream: string; collector: string },
  progress: (r: InsideRound) => void = () => {},
): Promise<InsideRound[]> {
  const proxies = [] as Awaited<ReturnType<typeof startProxy>>[];
  try {
    for (const side of [a, b]) proxies.push(await startProxy({ ...side, upstream, collector, proxyArgs: ['--profile'] }));
    for (const p of proxies) await drive(p.url, { seconds: warmupSeconds, rate });
    const out: InsideRound[] = [];
    for (let round = 0; round < rounds; round++) {
      const windows: InsideWindow[] = [];
      let failed = 0;
      for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
        const before = await profile(proxies[i]!.admin);
        const load = await drive(proxies[i]!.url, { seconds: windowSeconds, rate });
        windows[i] = perRequest(before, await profile(proxies[i]!.admin), load.ok);
        failed += load.failed;
      }
      const r = { round, a: windows[0]!, b: windows[1]!, failed };
      out.push(r);
      progress(r);
    }
    return out;
  } finally {
    await Promise.all(proxies.map((p) => p.stop()));
  }
}
