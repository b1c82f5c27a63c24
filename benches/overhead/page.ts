// The overhead suite's part of the benchmark page, made from its results file alone: a table per
// mode (each figure over the rounds, and its difference from the baseline in the same round), the
// cost against body size, and the three charts, which go to docs/benchmarks/.
import { barChart, type Bar, lineChart } from '../charts.js';
import type { OverheadDetail } from '../overhead.bench.js';
import type { SuiteResults } from '../results.js';
import type { InsideRound } from './inside.js';
import type { PairedWindow } from './paired.js';
import { counted, type Metric, METRICS, type Mode, PERCENTILES, type Spread, spread, summarize } from './figures.js';

export const CHARTS = { latency: 'overhead-latency.svg', cpu: 'overhead-cpu.svg', body: 'overhead-body-size.svg' };

const DIGITS: Record<string, number> = { 'req/s': 0, ms: 2, µs: 1, MiB: 1, '%': 1, calls: 2 };
const fmt = (n: number, unit: string) => n.toLocaleString('en', { minimumFractionDigits: DIGITS[unit] ?? 1, maximumFractionDigits: DIGITS[unit] ?? 1 });
const signed = (n: number, unit: string) => (n > 0 ? '+' : n < 0 ? '−' : '±') + fmt(Math.abs(n), unit);
const size = (bytes: number) => (bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`);
const modeName = (d: OverheadDetail, mode: Mode) => (mode === 'rate' ? `at a fixed ${d.rate.toLocaleString('en')} req/s` : 'at saturation');

/** "median [min, max]", and the difference from the baseline under it. */
function cell(value: Spread | null, difference: Spread | null, metric: Metric): string {
  if (!value) return 'n/a';
  const range = (s: Spread, f: (n: number, u: string) => string, unit: string) => `${f(s.median, unit)} [${f(s.min, unit)}, ${f(s.max, unit)}]`;
  const diffUnit = metric.relative ? '%' : metric.unit;
  return range(value, fmt, metric.unit) + (difference ? `<br>Δ ${range(difference, signed, diffUnit)}${metric.relative ? ' %' : ''}` : '');
}

function modeTable(d: OverheadDetail, mode: Mode): string[] {
  const head = `| variant | ${METRICS.map((m) => `${m.label} (${m.unit})`).join(' | ')} |`;
  const lines = [head, `| --- | ${METRICS.map(() => '---:').join(' | ')} |`];
  for (const v of d.variants) {
    const base = d.variants.find((b) => b.name === v.baseline);
    const cells = METRICS.map((metric) => {
      const { value, difference } = summarize(d.runs, { variant: v.name, baseline: v.baseline, mode, bodyBytes: d.bodyBytes, metric });
      return cell(value, difference, metric);
    });
    lines.push(`| ${v.label}${base ? ` (Δ: minus the ${base.label})` : ''} | ${cells.join(' | ')} |`);
  }
  return lines;
}

const cpu = METRICS.find((m) => m.key === 'cpu')!;
const rps = METRICS.find((m) => m.key === 'rps')!;

function bodyTable(d: OverheadDetail): string[] {
  const lines = ['| response body | no-op guest: CPU per request (µs) | redtail filter, body capture: CPU per request (µs) | difference (µs) | throughput difference (%) |', '| ---: | ---: | ---: | ---: | ---: |'];
  for (const bodyBytes of d.bodySizes) {
    const noop = summarize(d.runs, { variant: 'noop', mode: 'saturation', bodyBytes, metric: cpu }).value;
    const body = summarize(d.runs, { variant: 'filter-body', baseline: 'noop', mode: 'saturation', bodyBytes, metric: cpu });
    const through = summarize(d.runs, { variant: 'filter-body', baseline: 'noop', mode: 'saturation', bodyBytes, metric: rps }).difference;
    const r = (s: Spread | null, f: typeof fmt, unit: string) => (s ? `${f(s.median, unit)} [${f(s.min, unit)}, ${f(s.max, unit)}]` : 'n/a');
    lines.push(`| ${size(bodyBytes)} | ${r(noop, fmt, 'µs')} | ${r(body.value, fmt, 'µs')} | ${r(body.difference, signed, 'µs')} | ${r(through, signed, '%')} |`);
  }
  return lines;
}

/** Fixed-rate runs that fell short of the rate: those variants saturated, and their latencies are queueing. */
/** The variants that fell short of the fixed rate in some round: their latencies there are queueing. */
export function rateMissed(d: OverheadDetail): string[] {
  const short = counted(d.runs).filter((r) => r.mode === 'rate' && r.rps < d.rate * 0.95);
  return [...new Set(short.map((r) => d.variants.find((v) => v.name === r.variant)?.label ?? r.variant))];
}

/** The paired runs' table: each side's figures per request over the rounds, and the filter's difference round by round. */
function pairedTable(d: OverheadDetail): string[] {
  if (!d.paired) return [];
  const ok = d.paired.results.filter((r) => r.failed === 0);
  const short = ok.filter((x) => Math.min(x.a.rps, x.b.rps) < d.rate * 0.95).length;
  const columns: [string, (w: PairedWindow) => number, string][] = [
    ['proxy CPU per request (µs)', (w) => w.cpuUs, 'µs'], ['read calls per request', (w) => w.reads, 'calls'], ['write calls per request', (w) => w.writes, 'calls'],
    ['context switches per request', (w) => w.switches, 'calls'], ['throughput (req/s)', (w) => w.rps, 'req/s'],
  ];
  const r = (values: number[], f: typeof fmt, unit: string) => {
    const s = spread(values);
    return s ? `${f(s.median, unit)} [${f(s.min, unit)}, ${f(s.max, unit)}]` : 'n/a';
  };
  return [
    `### Paired, at a fixed ${d.rate.toLocaleString('en')} req/s: the target's figure`,
    '',
    `${ok.length} rounds (of ${d.paired.rounds}), each ${d.paired.windowSeconds} s of traffic through each of two long-lived proxies, A B B A.`,
    '',
    `| | ${columns.map(([name]) => name).join(' | ')} |`,
    `| --- | ${columns.map(() => '---:').join(' | ')} |`,
    `| no-op guest | ${columns.map(([, of, unit]) => r(ok.map((x) => of(x.a)), fmt, unit)).join(' | ')} |`,
    `| redtail filter | ${columns.map(([, of, unit]) => r(ok.map((x) => of(x.b)), fmt, unit)).join(' | ')} |`,
    `| Δ, round by round | ${columns.map(([, of, unit]) => r(ok.map((x) => of(x.b) - of(x.a)), signed, unit)).join(' | ')} |`,
    '',
    ...(short ? [`**The fixed rate was not held** in ${short} of these rounds (under 95% of it on one side): the machine was too busy for the load generator or the proxy.`, ''] : []),
  ];
}

/** The profiled proxies' table: time in each module's callbacks per request, and where the filter's goes. */
function insideTable(d: OverheadDetail): string[] {
  if (!d.inside) return [];
  const ok = d.inside.results.filter((r) => r.failed === 0);
  const r = (values: number[], f: typeof fmt = fmt) => {
    const s = spread(values);
    return s ? `${f(s.median, 'µs')} [${f(s.min, 'µs')}, ${f(s.max, 'µs')}]` : 'n/a';
  };
  const names = (pick: (x: InsideRound) => Record<string, unknown>) => [...new Set(ok.flatMap((x) => Object.keys(pick(x))))].sort();
  const calls = (name: string) => spread(ok.map((x) => x.b.byHostCall[name]?.calls ?? 0))!.median.toFixed(2);
  return [
    '### Inside the proxy: where the module\'s time goes',
    '',
    `${ok.length} round${ok.length === 1 ? '' : 's'} (of ${d.inside.rounds}), ${d.inside.windowSeconds} s each, at ${d.rate.toLocaleString('en')} req/s, through two more long-lived proxies started with ` +
      '`redtail proxy --profile`, which times every callback into the module (the host calls it makes included) and every host call. ' +
      'This is the module\'s own share of the paired Δ above; the rest of that Δ is the proxy\'s own work made slower beside it ' +
      '(its code and data pushed out of the caches), shipping\'s socket writes, and garbage collection. The timers cost a little per call.',
    '',
    '| per request (µs) | no-op guest | redtail filter | Δ, round by round |',
    '| --- | ---: | ---: | ---: |',
    `| in the module's callbacks | ${r(ok.map((x) => x.a.callbacksUs))} | ${r(ok.map((x) => x.b.callbacksUs))} | ${r(ok.map((x) => x.b.callbacksUs - x.a.callbacksUs), signed)} |`,
    `| … of which in host calls | ${r(ok.map((x) => x.a.hostCallsUs))} | ${r(ok.map((x) => x.b.hostCallsUs))} | |`,
    ...names((x) => x.b.byCallback).map((name) => `| ${name} | ${r(ok.map((x) => x.a.byCallback[name] ?? 0))} | ${r(ok.map((x) => x.b.byCallback[name] ?? 0))} | |`),
    ...names((x) => x.b.byHostCall).map((name) => `| host call ${name}, ${calls(name)} a request | | ${r(ok.map((x) => x.b.byHostCall[name]?.us ?? 0))} | |`),
    '',
  ];
}

export function overheadCharts(d: OverheadDetail): Map<string, string> {
  const charts = new Map<string, string>();
  const latencies = d.variants.map((v) => {
    const at = PERCENTILES.map((p) => spread(counted(d.runs).filter((r) => r.variant === v.name && r.mode === 'rate' && r.bodyBytes === d.bodyBytes).map((r) => r.latencyMs[p]!)));
    return { name: v.label, values: at.map((s) => s?.median ?? null), low: at.map((s) => s?.min ?? null), high: at.map((s) => s?.max ?? null) };
  });
  charts.set(CHARTS.latency, lineChart({ title: `Latency through the proxy ${modeName(d, 'rate')}, median of ${d.rounds} round${d.rounds === 1 ? '' : 's'}`, xLabels: PERCENTILES.map((p) => `p${p}`), xTitle: 'percentile', yTitle: 'latency (ms)', series: latencies }));
  const bars: Bar[] = [];
  for (const mode of ['saturation', 'rate'] as Mode[]) {
    for (const v of d.variants) {
      const s = summarize(d.runs, { variant: v.name, mode, bodyBytes: d.bodyBytes, metric: cpu }).value;
      if (s) bars.push({ label: `${v.label}, ${mode === 'rate' ? `${d.rate.toLocaleString('en')} req/s` : 'saturation'}`, median: s.median, min: s.min, max: s.max });
    }
  }
  charts.set(CHARTS.cpu, barChart({ title: 'Proxy CPU per request by variant (median, whiskers: lowest to highest round)', unit: 'µs of the proxy process\'s CPU per request', bars }));
  const sized = (variant: string, baseline?: string) => d.bodySizes.map((bodyBytes) => summarize(d.runs, { variant, baseline, mode: 'saturation', bodyBytes, metric: cpu }));
  const series = (name: string, pick: (x: { value: Spread | null; difference: Spread | null }) => Spread | null, list: ReturnType<typeof sized>) =>
    ({ name, values: list.map((x) => pick(x)?.median ?? null), low: list.map((x) => pick(x)?.min ?? null), high: list.map((x) => pick(x)?.max ?? null) });
  const body = sized('filter-body', 'noop');
  charts.set(CHARTS.body, lineChart({
    title: 'Proxy CPU per request against the response body\'s size, at saturation', xLabels: d.bodySizes.map(size), xTitle: 'response body', yTitle: 'CPU per request (µs)',
    series: [series('no-op guest', (x) => x.value, sized('noop')), series('filter, body capture', (x) => x.value, body), series('difference', (x) => x.difference, body)],
  }));
  return charts;
}

export const OVERHEAD_ABOUT = `What a module costs the proxy it runs in, measured through \`redtail proxy\` under load, as a
platform team would ask it. Every process is started as a user starts it: an upstream answering
with a JSON body (its own process, keep-alive), the collector (\`redtail serve\` on a temporary
folder), and for each run a fresh \`redtail proxy\` shipping to it. autocannon, in the
bench's process, sends the same request again and again (GET, 15 headers with a bearer token
and a cookie, 3 query parameters) on 16 keep-alive connections, as fast as the proxy answers
(saturation) or at a fixed overall rate below every variant's saturation. The variants: no
module at all (\`--filter none\`), the no-op guest (\`build/guests/noop.wasm\`), the redtail filter
with its default configuration, and the filter with body capture on (\`capture.body.enabled\`).

Each round runs every variant once, in an order that turns from round to round, each after a
warm-up long enough for a fresh process's start-up work (V8 compiling the proxy's code and the
module's, its first collections) to be over; the figures are the median over rounds with the lowest and highest in brackets. A
variant's difference (Δ) is taken within each round against its baseline in the same round, the
no-op guest's against no module, every module's against the no-op guest, and then summarised
the same way: the machine's speed changes from minute to minute, and a change falls on both
sides of a difference. Throughput's difference is a ratio, in percent. CPU per request is the
proxy process's own CPU time (user and system, every thread, to the nanosecond from the
scheduler's \`/proc/<pid>/task/*/schedstat\`: \`/proc/<pid>/stat\` counts in 10 ms ticks, a step of
2 µs a request in a 5 s window at 1,000 req/s) over the measured window divided by the requests answered in it; the filter's shipping is in it, the
collector's and the load generator's work is not (they run on the same cores, for every variant
alike). Peak RSS is the proxy's \`VmHWM\`; the memory per VM is the largest VM's linear memory
from the proxy's \`redtail_host_vm_memory_bytes\` gauge (n/a where the proxy has none).
Latencies are each response's, to the microsecond, not corrected for coordinated omission.
The proxy, the upstream, the collector and the load generator share the machine's cores, so
the absolute figures are the machine's as much as the proxy's; read the differences, and their
spread: a wide one says the machine was busy. \`--rate N\` sets the fixed rate (a note under the
tables says when a variant could not hold it), \`--quick\` runs one short round to check the bench.

With real Envoy: \`benches/envoy/\` runs the same three variants (no filter, the no-op guest,
the redtail filter) through Envoy under Docker compose, with fortio as the load generator, and
prints the same kind of table. It has not been run where this page was made (no Docker, no
Envoy on this machine), so no figure on this page comes from Envoy; see
[benches/envoy/README.md](../benches/envoy/README.md).

Other SDKs' modules: \`--guest NAME=FILE\` adds any proxy-wasm module as one more variant, read
against the no-op guest like the filter (\`npm run bench -- overhead --guest cpp=./http_headers.wasm\`).
No Rust, Go or C++ toolchain that reaches those SDKs is available where this page was made, so
no such module is in these tables; a user with their builds can add them as reference points.
The target (the redtail filter adds at most 10 µs of proxy CPU per request over the no-op guest)
is read on the paired table, not on the tables per mode. There the no-op guest and the filter
each run in one long-lived proxy, warmed up once, and the fixed-rate traffic goes through them in
turn, A B B A then B A A B, in many short windows, the difference taken round by round: a fresh
proxy's start-up varies from run to run by more than the difference, and a few rounds leave a
spread wider than the target. At saturation the proxy shares both cores with the load
generator, the upstream and the collector, so each microsecond of its own work stretches with
how busy they are, and a costlier module also gives the others less room (the no-op guest's CPU
per request moves by a factor of two with the machine's load); read the saturation Δ as what a
proxy pinned at its limit pays, not as the module's cost. The paired table also counts what the
kernel saw per request (read and write calls, from \`/proc/<pid>/io\`; context switches): equal
counts on both sides say the difference is work done in the proxy's turns, not more wake-ups or
more, smaller writes.`;

export function overheadSection(file: SuiteResults): string[] {
  const d = file.overhead;
  if (!d) return [];
  const missed = rateMissed(d);
  const vms = d.vms ?? 2;
  return [
    `${d.rounds} round${d.rounds === 1 ? '' : 's'}, each run a ${d.warmupSeconds} s warm-up then a ${d.windowSeconds} s measured window; response body ${size(d.bodyBytes)}; ` +
      `${vms === 1 ? 'one VM' : `${vms} VMs`} in each proxy` + (vms === 1 ? ', as each of Envoy\'s worker threads has' : ' taking its requests in turn on its one thread') +
      (file.machine.load ? `; the machine's load average was ${file.machine.load.join(', ')} when the run started (others' work shares its cores)` : '') +
      (d.collectorPeakRssMiB !== undefined ? `. The collector's peak RSS over the whole bench, every variant's records stored: ${fmt(d.collectorPeakRssMiB, 'MiB')} MiB.` : '.'),
    '',
    ...(['saturation', 'rate'] as Mode[]).flatMap((mode) => [`### ${modeName(d, mode)[0]!.toUpperCase()}${modeName(d, mode).slice(1)}`, '', ...modeTable(d, mode), '']),
    ...pairedTable(d),
    ...insideTable(d),
    ...(missed.length ? [`**The fixed rate was not held** by ${missed.join(', ')} (under 95% of ${d.rate.toLocaleString('en')} req/s in some round): those saturated, and their latencies are queueing; run again with a lower \`--rate\`.`, ''] : []),
    '### Cost against the response body\'s size',
    '',
    ...bodyTable(d),
    '',
    `![Latency distribution per variant](benchmarks/${CHARTS.latency})`,
    '',
    `![CPU per request by variant](benchmarks/${CHARTS.cpu})`,
    '',
    `![CPU per request against body size](benchmarks/${CHARTS.body})`,
  ];
}
