// The overhead bench's figures and page part: differences are taken within a round, runs with
// failed requests are left out, the page and charts are made from the results alone; and one run
// through real processes gives every figure.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { METRICS, type OverheadRun, percentile, spread, summarize } from '../overhead/figures.js';
import { CHARTS, overheadCharts, overheadSection } from '../overhead/page.js';
import { checkModules, type OverheadDetail, overheadBench, overheadOptions, overheadRows, runOnce, VARIANTS } from '../overhead.bench.js';
import { cpuNanos, startCollector, startUpstream } from '../overhead/processes.js';
import { pairedRounds } from '../overhead/paired.js';
import { suiteResults } from '../results.js';

const cpu = METRICS.find((m) => m.key === 'cpu')!;
const rps = METRICS.find((m) => m.key === 'rps')!;

function run(variant: string, round: number, cpuUs: number, more: Partial<OverheadRun> = {}): OverheadRun {
  return {
    variant, mode: 'saturation', round, bodyBytes: 1024, requests: 1000, failed: 0, seconds: 1, rps: 1e6 / cpuUs,
    latencyMs: { 50: 1, 75: 1.5, 90: 2, 99: 4, 99.9: 8, 99.99: 9 }, cpuUsPerRequest: cpuUs, peakRssMiB: 80, vmMemoryMiB: null, ...more,
  };
}

test('percentile takes the nearest rank; spread gives median, lowest and highest', () => {
  const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 500);
  assert.equal(percentile(sorted, 99.9), 999);
  assert.equal(percentile(sorted, 100), 1000);
  assert.deepEqual(spread([3, 1, 2, 10]), { median: 2.5, min: 1, max: 10, runs: 4 });
  assert.equal(spread([]), null);
});

test('a difference is taken within each round, so a slow round moves both sides', () => {
  // Round 1 runs at half speed: both variants take twice the CPU; the difference per round is 10 and 20.
  const runs = [run('noop', 0, 100), run('filter', 0, 110), run('noop', 1, 200), run('filter', 1, 220), run('noop', 2, 100), run('filter', 2, 110)];
  const { value, difference } = summarize(runs, { variant: 'filter', baseline: 'noop', mode: 'saturation', bodyBytes: 1024, metric: cpu });
  assert.deepEqual(value, { median: 110, min: 110, max: 220, runs: 3 });
  assert.deepEqual(difference, { median: 10, min: 10, max: 20, runs: 3 });
  const through = summarize(runs, { variant: 'filter', baseline: 'noop', mode: 'saturation', bodyBytes: 1024, metric: rps }).difference!;
  assert.ok(Math.abs(through.median - (100 / 110 - 1) * 100) < 1e-9, 'throughput differs as a ratio, in percent');
});

test('a run with failed requests counts for nothing, nor does its round\'s difference', () => {
  const runs = [run('noop', 0, 100), run('filter', 0, 110), run('noop', 1, 100), run('filter', 1, 500, { failed: 3 })];
  const { value, difference } = summarize(runs, { variant: 'filter', baseline: 'noop', mode: 'saturation', bodyBytes: 1024, metric: cpu });
  assert.deepEqual(value, { median: 110, min: 110, max: 110, runs: 1 });
  assert.deepEqual(difference, { median: 10, min: 10, max: 10, runs: 1 });
});

test('the results rows carry units and the filter\'s CPU target; the page part has its tables and links its charts', () => {
  const runs: OverheadRun[] = [];
  for (let round = 0; round < 2; round++) {
    for (const mode of ['saturation', 'rate'] as const) {
      runs.push(run('none', round, 80, { mode }), run('noop', round, 100, { mode }), run('filter', round, 108 + round * 4, { mode, vmMemoryMiB: 12, ...(mode === 'rate' ? { rps: 1500 } : {}) }), run('filter-body', round, 130, { mode }));
    }
    for (const bodyBytes of [0, 65536]) runs.push(run('noop', round, 100, { bodyBytes }), run('filter-body', round, 150, { bodyBytes }));
  }
  const detail: OverheadDetail = {
    variants: [{ name: 'none', label: 'no filter' }, { name: 'noop', label: 'no-op guest', baseline: 'none' }, { name: 'filter', label: 'redtail filter', baseline: 'noop' }, { name: 'filter-body', label: 'redtail filter, body capture', baseline: 'noop' }],
    bodyBytes: 1024, bodySizes: [0, 1024, 65536], rate: 2000, rounds: 2, warmupSeconds: 2, windowSeconds: 5, runs, collectorPeakRssMiB: 140.25,
    paired: {
      rounds: 3, windowSeconds: 2, results: [100, 104, 112].map((cpuUs, round) => ({
        round, failed: round === 2 ? 1 : 0,
        a: { cpuUs: 100, reads: 2, writes: 3, switches: 1.5, rps: 2000 },
        b: { cpuUs: cpuUs + 8, reads: 2, writes: 3.01, switches: 1.5, rps: 1990 },
      })),
    },
  };
  const rows = overheadRows(detail);
  const target = rows.find((r) => r.name === 'paired at 2000 req/s, long-lived proxies, redtail filter: proxy CPU per request, minus the no-op guest\'s')!;
  assert.equal(target.unit, 'µs');
  assert.equal(target.nsPerOp, 10, 'the median of the rounds that count (the third had a failed request)');
  assert.deepEqual([target.minNs, target.maxNs, target.runs], [8, 12, 2]);
  assert.deepEqual(target.target, { bound: '≤ 10 µs', result: '10 µs', met: true });
  assert.equal(rows.filter((r) => r.target).length, 1, 'the target is read on the paired figure alone');
  assert.equal(rows.find((r) => r.name === 'paired at 2000 req/s, long-lived proxies, redtail filter: write calls per request, minus the no-op guest\'s')!.unit, 'calls');
  assert.equal(rows.find((r) => r.name === 'saturation, no-op guest: throughput, minus the no filter\'s')!.unit, '%');
  assert.equal(rows.find((r) => r.name.startsWith('body of 64 KiB'))!.nsPerOp, 50);
  const page = overheadSection({ ...suiteResults('overhead', rows, { quick: false }), overhead: detail }).join('\n');
  assert.equal(rows.find((r) => r.name === 'collector peak RSS over the whole bench')!.nsPerOp, 140.25);
  assert.match(page, /The collector's peak RSS over the whole bench, every variant's records stored: 140\.3 MiB\./);
  assert.match(page, /; 2 VMs in each proxy taking its requests in turn on its one thread;/, 'a file from before the count was kept: its proxies ran two');
  assert.match(overheadSection({ ...suiteResults('overhead', rows, { quick: false }), overhead: { ...detail, vms: 1 } }).join('\n'), /; one VM in each proxy, as each of Envoy's worker threads has;/);
  assert.match(page, /### At saturation/);
  assert.match(page, /### At a fixed 2,000 req\/s/);
  assert.match(page, /### Paired, at a fixed 2,000 req\/s: the target's figure\n\n2 rounds \(of 3\)/);
  assert.match(page, /\| Δ, round by round \| \+10\.0 \[\+8\.0, \+12\.0\] \| ±0\.00 \[±0\.00, ±0\.00\] \| \+0\.01 \[\+0\.01, \+0\.01\] \|/);
  assert.match(page, /\| redtail filter \(Δ: minus the no-op guest\) \| .* \| 110\.0 \[108\.0, 112\.0\]<br>Δ \+10\.0 \[\+8\.0, \+12\.0\] \| 80\.0 \[80\.0, 80\.0\]<br>Δ ±0\.0 \[±0\.0, ±0\.0\] \| 12\.0 \[12\.0, 12\.0\] \|/);
  assert.match(page, /\| no filter \| .* \| n\/a \|/, 'no gauge: n/a');
  assert.match(page, /\| 64 KiB \| 100\.0 \[100\.0, 100\.0\] \| 150\.0 \[150\.0, 150\.0\] \| \+50\.0 \[\+50\.0, \+50\.0\] \|/);
  assert.match(page, /The fixed rate was not held\*\* by redtail filter \(/, 'only the filter fell short of the rate');
  for (const name of Object.values(CHARTS)) assert.match(page, new RegExp(`\\(benchmarks/${name.replace('.', '\\.')}\\)`));
  assert.deepEqual([...overheadCharts(detail).keys()].sort(), Object.values(CHARTS).sort());
});

test('a run starts a fresh proxy in front of the upstream, drives the traffic through it and reads the proxy\'s own CPU and memory', async () => {
  const upstream = await startUpstream([1024]);
  const collector = await startCollector();
  const configDir = mkdtempSync(join(tmpdir(), 'redtail-overhead-test-'));
  try {
    const at = { upstream: upstream.urls, collector: collector.url, configDir };
    const timing = { rate: 1000, warmupSeconds: 0.2, windowSeconds: 0.5 };
    for (const variant of VARIANTS.filter((v) => v.name === 'none' || v.name === 'filter-body')) {
      const r = await runOnce({ variant, mode: 'rate', bodyBytes: 1024 }, 0, timing, at);
      assert.equal(r.failed, 0, `${variant.name}: every request answered 2xx`);
      assert.ok(r.requests > 0 && r.cpuUsPerRequest > 0 && r.peakRssMiB > 10, JSON.stringify(r));
      assert.ok(r.latencyMs[50]! > 0 && r.latencyMs[50]! <= r.latencyMs[99.99]!, JSON.stringify(r.latencyMs));
      assert.ok(r.vmMemoryMiB === null || r.vmMemoryMiB > 0);
    }
  } finally {
    await Promise.all([upstream.stop(), collector.stop()]);
    rmSync(configDir, { recursive: true, force: true });
  }
});

test('paired rounds run two long-lived proxies in turn and count each one\'s CPU and calls per request', async () => {
  const upstream = await startUpstream([1024]);
  const collector = await startCollector();
  try {
    const [noop, filter] = ['noop', 'filter'].map((n) => ({ filter: VARIANTS.find((v) => v.name === n)!.filter }));
    const seen: number[] = [];
    const rounds = await pairedRounds({ a: noop!, b: filter!, rate: 400, rounds: 2, windowSeconds: 0.6, warmupSeconds: 0.2, upstream: upstream.urls.get(1024)!, collector: collector.url }, (r) => seen.push(r.round));
    assert.deepEqual(seen, [0, 1]);
    for (const r of rounds) {
      assert.equal(r.failed, 0);
      for (const w of [r.a, r.b]) {
        assert.ok(w.cpuUs > 0 && w.rps > 0, JSON.stringify(w));
        // The client's request read, the upstream's answer read; the request and the answer written.
        assert.ok(w.reads >= 1.5 && w.writes >= 1.5 && w.switches > 0, JSON.stringify(w));
      }
    }
  } finally {
    await Promise.all([upstream.stop(), collector.stop()]);
  }
});

test('a process\'s CPU time is read finer than the clock tick, summed over its threads', () => {
  const TICK_NS = 1e7; // 100 ticks a second: what /proc/<pid>/stat counts in
  const deltas: number[] = [];
  for (let i = 0; i < 3; i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    const before = cpuNanos(process.pid);
    let x = 0;
    for (let j = 0; j < 200_000; j++) x += Math.sqrt(j);
    assert.ok(x > 0);
    // The scheduler brings a running thread's figure up to date when it stops running.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    deltas.push(cpuNanos(process.pid) - before);
  }
  assert.ok(deltas.every((d) => d > 0), `CPU time grows with work: ${deltas}`);
  assert.ok(deltas.some((d) => d % TICK_NS !== 0), `not in whole ticks: ${deltas}`);
  const main = Number(readFileSync(`/proc/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  assert.ok(cpuNanos(process.pid) >= main, 'every thread, the main one included');
});

test('--guest NAME=FILE adds a module as a variant read against the no-op guest; --rate sets the fixed rate', () => {
  const o = overheadOptions(['--guest', 'cpp=/tmp/http_headers.wasm', '--rate', '1500'], { quick: false });
  assert.deepEqual(o.variants.map((v) => v.name), [...VARIANTS.map((v) => v.name), 'cpp']);
  assert.deepEqual(o.variants.at(-1), { name: 'cpp', label: 'cpp', baseline: 'noop', filter: '/tmp/http_headers.wasm' });
  assert.equal(o.rate, 1500);
  assert.ok(overheadOptions([], { quick: true }).rounds < o.rounds);
  assert.throws(() => overheadOptions(['--guest', 'http_headers.wasm'], { quick: false }), /--guest must be NAME=FILE, got "http_headers.wasm"/);
  assert.throws(() => overheadOptions(['--rate', 'fast'], { quick: false }), /--rate must be requests per second, got "fast"/);
  assert.throws(() => overheadOptions(['--rate', '0'], { quick: false }), /--rate must be requests per second, got "0"/);
  assert.throws(() => overheadOptions(['--rate', 'Infinity'], { quick: false }), /--rate must be requests per second, got "Infinity"/);
  assert.throws(() => overheadOptions(['--rate'], { quick: false }), /--rate needs a value/);
  assert.throws(() => overheadOptions(['--guest'], { quick: false }), /--guest needs a value/);
  assert.throws(() => overheadOptions(['--guest', 'filter=/tmp/other.wasm'], { quick: false }), /--guest filter: the name is taken/);
});

test('a module the run would load that is missing or not WebAssembly stops the bench before anything starts, naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redtail-overhead-guest-'));
  try {
    const bad = join(dir, 'bad.wasm');
    writeFileSync(bad, 'not a module');
    await assert.rejects(overheadBench({ quick: true, args: ['--guest', `bad=${bad}`] }), new RegExp(`^Error: overhead: bad: ${bad} is not a WebAssembly module$`));
    await assert.rejects(overheadBench({ quick: true, args: ['--guest', `gone=${dir}/gone.wasm`] }), /^Error: overhead: gone: cannot read .*gone\.wasm \(ENOENT\)$/);
    const missing = VARIANTS.map((v) => (v.filter === 'none' ? v : { ...v, filter: v.filter.replace(/\.wasm$/, '.missing.wasm') }));
    assert.throws(() => checkModules(missing), /^Error: overhead: no-op guest: cannot read .*noop\.missing\.wasm \(ENOENT\): run npm run build$/);
    assert.doesNotThrow(() => checkModules(VARIANTS));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
