// What a module costs the proxy it runs in, measured through `redtail proxy` under load: the
// issue's traffic through a fresh proxy for each run, with no module, the no-op guest, the
// redtail filter (default configuration, and with body capture on) and any module given with
// --guest NAME=FILE; as fast as it goes and at a fixed rate; in rounds, each variant once a
// round in an order that turns from round to round, with a warm-up before each measured window.
// Then the cost against the response body's size, the no-op guest beside the filter capturing
// bodies. npm run bench -- overhead [--quick] [--rate N] [--guest NAME=FILE ...]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { counted, type Mode, type OverheadRun, METRICS, PERCENTILES, percentile, spread, summarize } from './overhead/figures.js';
import { cpuNanos, peakRssBytes, PROXY_VMS, startCollector, startProxy, startUpstream, vmMemoryBytes } from './overhead/processes.js';
import { rateMissed } from './overhead/page.js';
import { type InsideRound, insideRounds } from './overhead/inside.js';
import { PAIRED_KEYS, type PairedRound, pairedRounds } from './overhead/paired.js';
import { drive } from './overhead/traffic.js';
import { type Measurement, target } from './measure.js';

const built = (p: string) => new URL(`../../build/${p}`, import.meta.url).pathname;

export interface Variant {
  name: string;
  label: string;
  /** The variant whose figure in the same round this one's is read against. */
  baseline?: string;
  /** A module's path, or 'none'. */
  filter: string;
  /** The filter's configuration, when not its defaults. */
  config?: object;
}

export interface OverheadDetail {
  variants: Omit<Variant, 'filter'>[];
  /** The response body of the runs by variant, and the sizes the body-size runs take. */
  bodyBytes: number;
  bodySizes: number[];
  rate: number;
  rounds: number;
  warmupSeconds: number;
  windowSeconds: number;
  runs: OverheadRun[];
  /** The collector's peak RSS over the whole bench, every variant's records stored (absent in older files). */
  collectorPeakRssMiB?: number;
  /** The VMs each proxy ran (absent in older files, whose proxies ran two). */
  vms?: number;
  /** The no-op guest (a) and the filter (b) side by side in long-lived proxies at the fixed rate (absent in older files). */
  paired?: { rounds: number; windowSeconds: number; results: PairedRound[] };
  /** The same two modules in proxies that time each callback and host call (absent in older files). */
  inside?: { rounds: number; windowSeconds: number; results: InsideRound[] };
}

const BODY_CAPTURE = { capture: { body: { enabled: true } } };

export const VARIANTS: Variant[] = [
  { name: 'none', label: 'no filter', filter: 'none' },
  { name: 'noop', label: 'no-op guest', baseline: 'none', filter: built('guests/noop.wasm') },
  { name: 'filter', label: 'redtail filter', baseline: 'noop', filter: built('filter.wasm') },
  { name: 'filter-body', label: 'redtail filter, body capture', baseline: 'noop', filter: built('filter.wasm'), config: BODY_CAPTURE },
];

/** The filter the body-size runs measure, and the baseline they read it against. */
export const SIZED = ['noop', 'filter-body'];
const KiB = 1024;

export interface Case { variant: Variant; mode: Mode; bodyBytes: number }

/** The run's shape from its flags: --rate N, --guest NAME=FILE (repeatable), and --quick. */
export function overheadOptions(args: string[], { quick }: { quick: boolean }) {
  const value = (flag: string) => args.flatMap((a, i) => {
    if (a !== flag) return [];
    if (args[i + 1] === undefined) throw new Error(`overhead: ${flag} needs a value`);
    return [args[i + 1]!];
  });
  const guests: Variant[] = value('--guest').map((spec) => {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new Error(`overhead: --guest must be NAME=FILE, got ${JSON.stringify(spec)}`);
    return { name: spec.slice(0, eq), label: spec.slice(0, eq), baseline: 'noop', filter: spec.slice(eq + 1) };
  });
  const names = [...VARIANTS, ...guests].map((v) => v.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`overhead: --guest ${twice}: the name is taken (a variant's figures are found by its name)`);
  // Below every variant's saturation on a small machine, so that the fixed-rate latencies are the
  // proxy's and not a queue's.
  const rate = Number(value('--rate')[0] ?? 1000);
  if (!(rate > 0 && Number.isFinite(rate))) throw new Error(`overhead: --rate must be requests per second, got ${JSON.stringify(value('--rate')[0])}`);
  return {
    variants: [...VARIANTS, ...guests],
    rate,
    rounds: quick ? 1 : 4,
    // A fresh proxy spends its first seconds on V8's own start-up work (compiling, collecting),
    // which would be charged to whichever variant pays the most of it.
    warmupSeconds: quick ? 0.5 : 4,
    windowSeconds: quick ? 1.5 : 5,
    // Many short rounds: the spread must come out narrower than the few microseconds it measures.
    pairedRounds: quick ? 2 : 24,
    pairedWindowSeconds: quick ? 1 : 2,
    insideRounds: quick ? 1 : 6,
    bodyBytes: KiB,
    bodySizes: quick ? [0, KiB, 64 * KiB] : [0, KiB, 16 * KiB, 64 * KiB],
  };
}

/** A round's runs: each mode's variants, then each body size's, every group's order turned by the round. */
function roundCases(o: ReturnType<typeof overheadOptions>, round: number): Case[] {
  const turn = <T>(list: T[]) => list.map((_, i) => list[(i + round) % list.length]!);
  const groups: Case[][] = (['saturation', 'rate'] as Mode[]).map((mode) => turn(o.variants).map((variant) => ({ variant, mode, bodyBytes: o.bodyBytes })));
  for (const bodyBytes of o.bodySizes.filter((b) => b !== o.bodyBytes)) {
    groups.push(turn(o.variants.filter((v) => SIZED.includes(v.name))).map((variant) => ({ variant, mode: 'saturation' as Mode, bodyBytes })));
  }
  return turn(groups).flat();
}

const MiB = 2 ** 20;

/** One run: a fresh proxy for the case, a warm-up, the measured window, then the proxy stopped. */
export async function runOnce(c: Case, round: number, o: Pick<OverheadDetail, 'rate' | 'warmupSeconds' | 'windowSeconds'>, { upstream, collector, configDir }: { upstream: Map<number, string>; collector: string; configDir: string }): Promise<OverheadRun> {
  let configFile: string | undefined;
  if (c.variant.config) {
    configFile = join(configDir, `${c.variant.name}.json`);
    writeFileSync(configFile, JSON.stringify(c.variant.config));
  }
  const proxy = await startProxy({ filter: c.variant.filter, configFile, upstream: upstream.get(c.bodyBytes)!, collector });
  try {
    const rate = c.mode === 'rate' ? o.rate : undefined;
    await drive(proxy.url, { seconds: o.warmupSeconds, rate });
    const cpu0 = cpuNanos(proxy.pid);
    const load = await drive(proxy.url, { seconds: o.windowSeconds, rate });
    const cpuNs = cpuNanos(proxy.pid) - cpu0;
    const vms = await vmMemoryBytes(proxy.admin);
    return {
      variant: c.variant.name, mode: c.mode, round, bodyBytes: c.bodyBytes,
      requests: load.ok, failed: load.failed, seconds: load.seconds, rps: load.ok / load.seconds,
      latencyMs: Object.fromEntries(PERCENTILES.map((p) => [p, percentile(load.latenciesMs, p)])),
      cpuUsPerRequest: cpuNs / 1000 / load.ok,
      peakRssMiB: peakRssBytes(proxy.pid) / MiB,
      vmMemoryMiB: vms.size ? Math.max(...vms.values()) / MiB : null,
    };
  } finally {
    await proxy.stop();
  }
}

const fixed = (n: number | null, digits = 0) => (n === null || Number.isNaN(n) ? 'n/a' : n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const size = (bytes: number) => (bytes >= KiB ? `${bytes / KiB} KiB` : `${bytes} B`);

function progress(run: OverheadRun, label: string, rounds: number): string {
  return `overhead: ${run.mode.padEnd(10)} ${label.padEnd(28)} ${size(run.bodyBytes).padStart(6)}  round ${run.round + 1}/${rounds}: ` +
    `${fixed(run.rps)} req/s, p50 ${fixed(run.latencyMs[50]!, 2)} p99 ${fixed(run.latencyMs[99]!, 2)} ms, CPU ${fixed(run.cpuUsPerRequest, 1)} µs/req, ` +
    `peak RSS ${fixed(run.peakRssMiB)} MiB, VM ${run.vmMemoryMiB === null ? 'n/a' : `${fixed(run.vmMemoryMiB, 1)} MiB`}` +
    (run.failed ? `, ${run.failed} FAILED (left out)` : '');
}

/** Each variant's figures over the rounds (and its difference from its baseline) as the results' rows, with their units. */
export function overheadRows(d: OverheadDetail): Measurement[] {
  const rows: Measurement[] = [];
  const row = (name: string, unit: string, s: { median: number; min: number; max: number; runs: number }): Measurement =>
    ({ name, unit, nsPerOp: s.median, minNs: s.min, maxNs: s.max, runs: s.runs, iterations: 0 });
  for (const mode of ['saturation', 'rate'] as Mode[]) {
    for (const v of d.variants) {
      for (const metric of METRICS) {
        const { value, difference } = summarize(d.runs, { variant: v.name, baseline: v.baseline, mode, bodyBytes: d.bodyBytes, metric });
        const where = `${mode === 'rate' ? `at ${d.rate} req/s` : 'saturation'}, ${v.label}`;
        if (value) rows.push(row(`${where}: ${metric.label}`, metric.unit, value));
        if (difference) {
          const base = d.variants.find((b) => b.name === v.baseline)!.label;
          const r = row(`${where}: ${metric.label}, minus the ${base}'s`, metric.relative ? '%' : metric.unit, difference);
          rows.push(r);
        }
      }
    }
  }
  if (d.paired) {
    const ok = d.paired.results.filter((r) => r.failed === 0);
    const label: Record<(typeof PAIRED_KEYS)[number], [string, string]> = {
      cpuUs: ['proxy CPU per request', 'µs'], reads: ['read calls per request', 'calls'], writes: ['write calls per request', 'calls'], switches: ['context switches per request', 'switches'],
    };
    const where = `paired at ${d.rate} req/s, long-lived proxies`;
    for (const key of PAIRED_KEYS) {
      const [what, unit] = label[key];
      const noop = spread(ok.map((r) => r.a[key]));
      const filter = spread(ok.map((r) => r.b[key]));
      const difference = spread(ok.map((r) => r.b[key] - r.a[key]));
      if (noop) rows.push(row(`${where}, no-op guest: ${what}`, unit, noop));
      if (filter) rows.push(row(`${where}, redtail filter: ${what}`, unit, filter));
      if (difference) {
        const r = row(`${where}, redtail filter: ${what}, minus the no-op guest's`, unit, difference);
        if (key === 'cpuUs') r.target = target(difference.median, 'µs', { max: 10 });
        rows.push(r);
      }
    }
  }
  if (d.inside) rows.push(...insideRows(d, row));
  if (d.collectorPeakRssMiB !== undefined) rows.push(row('collector peak RSS over the whole bench', 'MiB', { median: d.collectorPeakRssMiB, min: d.collectorPeakRssMiB, max: d.collectorPeakRssMiB, runs: 1 }));
  const cpu = METRICS.find((m) => m.key === 'cpu')!;
  for (const bodyBytes of d.bodySizes) {
    const { difference } = summarize(d.runs, { variant: 'filter-body', baseline: 'noop', mode: 'saturation', bodyBytes, metric: cpu });
    if (difference) rows.push(row(`body of ${size(bodyBytes)}, saturation: redtail filter with body capture, proxy CPU per request minus the no-op guest's`, 'µs', difference));
  }
  return rows;
}

type Row = (name: string, unit: string, s: { median: number; min: number; max: number; runs: number }) => Measurement;

/** The profiled proxies' figures: time in each module's callbacks per request, the filter's difference, and where the filter's goes. */
function insideRows(d: OverheadDetail, row: Row): Measurement[] {
  const ok = d.inside!.results.filter((r) => r.failed === 0);
  const where = `inside profiled proxies at ${d.rate} req/s`;
  const rows: Measurement[] = [];
  const add = (name: string, values: number[]) => {
    const s = spread(values);
    if (s) rows.push(row(`${where}, ${name}`, 'µs', s));
  };
  add('no-op guest: time in its callbacks per request', ok.map((r) => r.a.callbacksUs));
  add('redtail filter: time in its callbacks per request', ok.map((r) => r.b.callbacksUs));
  add('redtail filter: time in its callbacks per request, minus the no-op guest\'s', ok.map((r) => r.b.callbacksUs - r.a.callbacksUs));
  add('redtail filter: of which in host calls', ok.map((r) => r.b.hostCallsUs));
  const names = (pick: (r: InsideRound) => Record<string, unknown>) => [...new Set(ok.flatMap((r) => Object.keys(pick(r))))].sort();
  for (const name of names((r) => r.b.byCallback)) add(`redtail filter: in ${name}`, ok.map((r) => r.b.byCallback[name] ?? 0));
  for (const name of names((r) => r.b.byHostCall)) {
    const calls = spread(ok.map((r) => r.b.byHostCall[name]?.calls ?? 0))!.median;
    add(`redtail filter: host call ${name} (${calls.toFixed(2)} a request)`, ok.map((r) => r.b.byHostCall[name]?.us ?? 0));
  }
  return rows;
}

/**
 * Every module the run loads, read and validated before anything starts: a file found bad when
 * its first run comes, minutes in, would throw away the runs before it.
 */
export function checkModules(variants: Variant[]): void {
  for (const v of variants) {
    if (v.filter === 'none') continue;
    let bytes: Buffer;
    try {
      bytes = readFileSync(v.filter);
    } catch (err) {
      const hint = v.filter.startsWith(built('')) ? ': run npm run build' : '';
      throw new Error(`overhead: ${v.label}: cannot read ${v.filter} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})${hint}`);
    }
    if (!WebAssembly.validate(new Uint8Array(bytes))) throw new Error(`overhead: ${v.label}: ${v.filter} is not a WebAssembly module`);
  }
}

export async function overheadBench({ quick, args }: { quick: boolean; args: string[] }): Promise<{ results: Measurement[]; overhead: OverheadDetail }> {
  const o = overheadOptions(args, { quick });
  checkModules(o.variants);
  const configDir = mkdtempSync(join(tmpdir(), 'redtail-overhead-config-'));
  const upstream = await startUpstream(o.bodySizes);
  const collector = await startCollector();
  const runs: OverheadRun[] = [];
  let collectorPeakRssMiB: number | undefined;
  let paired: OverheadDetail['paired'];
  let insideDetail: OverheadDetail['inside'];
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const c of roundCases(o, round)) {
        const run = await runOnce(c, round, o, { upstream: upstream.urls, collector: collector.url, configDir });
        runs.push(run);
        process.stderr.write(progress(run, c.variant.label, o.rounds) + '\n');
      }
    }
    const filterOf = (name: string) => o.variants.find((v) => v.name === name)!.filter;
    const results = await pairedRounds({
      a: { filter: filterOf('noop') }, b: { filter: filterOf('filter') }, rate: o.rate, rounds: o.pairedRounds, windowSeconds: o.pairedWindowSeconds,
      warmupSeconds: o.warmupSeconds, upstream: upstream.urls.get(o.bodyBytes)!, collector: collector.url,
    }, (r) => process.stderr.write(`overhead: paired at ${o.rate} req/s, round ${r.round + 1}/${o.pairedRounds}: no-op guest ${fixed(r.a.cpuUs, 1)} µs/req, redtail filter ${fixed(r.b.cpuUs, 1)} (Δ ${fixed(r.b.cpuUs - r.a.cpuUs, 1)})` +
      `, calls per request ${fixed(r.a.reads + r.a.writes, 2)} and ${fixed(r.b.reads + r.b.writes, 2)}${r.failed ? `, ${r.failed} FAILED (left out)` : ''}\n`));
    paired = { rounds: o.pairedRounds, windowSeconds: o.pairedWindowSeconds, results };
    const inside = await insideRounds({
      a: { filter: filterOf('noop') }, b: { filter: filterOf('filter') }, rate: o.rate, rounds: o.insideRounds, windowSeconds: o.pairedWindowSeconds,
      warmupSeconds: o.warmupSeconds, upstream: upstream.urls.get(o.bodyBytes)!, collector: collector.url,
    }, (r) => process.stderr.write(`overhead: profiled at ${o.rate} req/s, round ${r.round + 1}/${o.insideRounds}: in the module's callbacks, no-op guest ${fixed(r.a.callbacksUs, 2)} µs/req, ` +
      `redtail filter ${fixed(r.b.callbacksUs, 2)} (of which host calls ${fixed(r.b.hostCallsUs, 2)})${r.failed ? `, ${r.failed} FAILED (left out)` : ''}\n`));
    insideDetail = { rounds: o.insideRounds, windowSeconds: o.pairedWindowSeconds, results: inside };
    collectorPeakRssMiB = peakRssBytes(collector.child.pid!) / MiB;
  } finally {
    await Promise.all([upstream.stop(), collector.stop()]);
    rmSync(configDir, { recursive: true, force: true });
  }
  const left = runs.length - counted(runs).length;
  if (left) process.stderr.write(`overhead: ${left} of ${runs.length} runs had failed requests and are left out of the figures\n`);
  const overhead: OverheadDetail = {
    variants: o.variants.map(({ filter: _, ...v }) => v),
    bodyBytes: o.bodyBytes, bodySizes: o.bodySizes, rate: o.rate, rounds: o.rounds,
    warmupSeconds: o.warmupSeconds, windowSeconds: o.windowSeconds, runs, collectorPeakRssMiB, vms: PROXY_VMS, paired, inside: insideDetail,
  };
  const missed = rateMissed(overhead);
  if (missed.length) process.stderr.write(`overhead: ${missed.join(', ')} did not hold ${o.rate} req/s in some round: their fixed-rate latencies are queueing (try a lower --rate)\n`);
  return { results: overheadRows(overhead), overhead };
}
