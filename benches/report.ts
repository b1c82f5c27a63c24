// The benchmark page, docs/benchmarks.md, made from the results files alone: each suite's
// date, machine, command and tables, with a fixed text saying what the suite measures and how.
// The page is never edited by hand, so every figure on it is one a command reproduces.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Measurement } from './measure.js';
import { OVERHEAD_ABOUT, overheadCharts, overheadSection } from './overhead/page.js';
import { readSuiteResults, RESULTS_DIR, type SuiteResults } from './results.js';

export const PAGE = new URL('../../docs/benchmarks.md', import.meta.url);
/** The page's charts, linked from it as benchmarks/<name>.svg. */
export const CHARTS_DIR = new URL('../../docs/benchmarks/', import.meta.url);

/** What each suite measures and how, in the order the page shows them. */
const ABOUT: Record<string, string> = {
  host: `What the host itself costs, so that the filter's figures can be read against it (the host
is the stand-in for Envoy that runs the filter in tests, benches and \`redtail proxy\`: see
[host.md](host.md)). A whole request through a no-op guest (create the stream, request headers
with 15 headers, response headers, log, done, delete); single host calls timed from inside a
guest (\`benches/guests/hostcall-loop.ts\`: a loop of calls, minus the same loop calling
nothing); and the conversion of 15 headers from JavaScript strings to the proxy-wasm pairs
encoding, which a proxy fed by Node's HTTP parser pays once per map a module reads (Envoy holds
headers as bytes).`,

  filter: `What the filter adds to a request, measured beside a no-op guest in the same run. Three
guests take the same request (GET, 15 headers, 3 query parameters, no body, every default
detector on, headers handed over as bytes as Envoy holds them): the no-op guest, a guest that
makes only the filter's host calls (\`benches/guests/filter-calls.ts\`), and the filter. The
requests run a hundred at a time with the event loop turning between, as in a proxy, so the
filter's batches go out as they fill to a collector stub in another process (its work is not the
proxy's): every record reaches it, and the request path includes the host-call side of shipping
(the batch copied out of the module, the call started).

The machine's speed changes: it has spells of minutes in which everything, the no-op request
included, takes about twice as long. So the bench runs many short rounds, each timing the three
guests in slices taken in turn (a change of speed falls on all three alike), takes the
difference within each round, and reports the rounds at full speed (the no-op within 30% of the
run's fastest) and in slow spells apart. The filter's cost splits into its host calls (as this
host answers them) and its own code.

Back to back, the module's code and data stay in the CPU caches; in a proxy they do not, for
between two callbacks the proxy's own work (its sockets, its HTTP parser, the client and upstream
sharing the cores) pushes them out. So each round also times the three guests "cold", with 512
KiB of unrelated memory written before each header callback (\`benches/disturb.ts\` says how
that size was chosen: a probe read inside \`redtail proxy\` under load is evicted from L2 by as
much), the callbacks alone timed. The cold figure against the warm one is how much of the
filter's cost in a proxy is the caches' doing rather than its work.

"All told" is the CPU the whole process spends (every thread) per request beyond the no-op's,
each record shipped over loopback TCP by this host's HTTP client (Node's); in Envoy that part is
Envoy's own C++ client. The redaction scan is timed inside a guest with no host calls, on a
4 KiB JSON body of the kind an API carries and on one dense in nested URLs, form text and JSON
text inside strings, each run classed by the machine's speed as the rounds are; crafted bodies
are timed against ordinary text of the same size, so that no input makes the scan slow.
Targets: the filter adds at most 5 µs a request, the JSON scan runs at 300 MB/s or more,
\`build/filter.wasm\` stays under 100 KiB.`,

  collector: `What the collector sustains, against the raw better-sqlite3 insert rate for the same
records measured in the same run (a row each with its indexed columns and eight indexes, one
transaction a batch). Ingest runs with the collector as its own process, as deployed: over
WebSocket, 500-record batches on one connection with at most 16 unacknowledged, the sustained
rate taken after the first batches and beside the rate from a cold start, and the free-text
index's lag when the last batch was acknowledged; over HTTP, 500-record NDJSON batches from 4
producers. Then, in process, the store's writes alone while loading a store, the free-text
index's build rate, and the bytes a record takes on disk with the indexes.

Queries run in process over the loaded store (the query path, not HTTP), each many times with
the block cache emptied before each (a first query's time; SQLite's page cache stays warm),
after the loaded files are fsynced. Tail latency has 10 subscribers at 10,000 records/s:
commit to subscriber is timed from the batch's acknowledgement, which the collector sends right
after the commit and the tail fan-out; send to subscriber includes the write and the queue
before it. Targets: 100,000 records/s sustained over WebSocket, at most 250 bytes a record,
every query and the tail at p99 under 50 ms.`,

  export: `What exporting costs ingest and what it sustains (docs/export.md), with the collector as
its own process: the same records ingested over WebSocket (500-record batches, at most 16
unacknowledged) into a collector without an exporter, one with an OTLP exporter (protobuf) and
one with a Loki exporter (protobuf), each to a loopback receiver that takes every request; each
round runs the three in another order so that a machine's drift weighs on all. Export
throughput is every record delivered (the exporter's lag in /metrics at 0) over the time from
the first batch sent. The exporter runs in its own worker thread at a lower CPU priority, with
its own read-only SQLite connections: while ingest keeps every core busy it yields and falls
behind (the "while ingest ran" rows), then catches up; ingest's rate with it on against off is
what it costs the collector.`,

  overhead: OVERHEAD_ABOUT,
};

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function figure(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : 1;
  return value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(rows: Measurement[]): string {
  const lines = ['| measurement | median (ns, or as named) | min | max | runs × ops |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    const named = r.unit ? `${r.name} (${r.unit})` : r.name;
    const name = cell(r.note ? `${named}: ${r.note}` : named);
    // A row without runs states a fact in its name (a count, a size): it has no figures of its own.
    if (r.runs === 0) lines.push(`| ${name} | | | | |`);
    else lines.push(`| ${name} | ${figure(r.nsPerOp)} | ${figure(r.minNs)} | ${figure(r.maxNs)} | ${r.iterations ? `${r.runs} × ${r.iterations.toLocaleString('en')}` : r.runs} |`);
  }
  return lines.join('\n');
}

function section(file: SuiteResults): string {
  const m = file.machine;
  return [
    `## ${file.suite}`,
    '',
    ABOUT[file.suite] ?? '',
    '',
    `Run ${file.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}${m.v8 ? ` (V8 ${m.v8})` : ''}${m.os ? `, ${m.os}` : ''}.` +
      (file.quick ? ' **A quick run**: fewer rounds, records and queries, to check the suite works; its figures are rough.' : ''),
    `Reproduce: \`${file.command}\``,
    '',
    ...(file.overhead ? overheadSection(file) : [table(file.results)]),
  ].join('\n');
}

/** Every figure held to a target, across suites: whether the latest run met it. */
function targets(files: SuiteResults[]): string[] {
  const rows = files.flatMap((f) => f.results.filter((r) => r.target).map((r) => {
    // The row's name without its figures: "…: 350 MB/s" and "(ms p50; p99)" are in the columns.
    const name = r.name.replace(/\s*\([^)]*\)$/, '').replace(/:\s*[\d.,]+\s*\S*$/, '').replace(/^… /, '').trim();
    return `| ${f.suite} | ${cell(name)} | ${r.target!.bound} | ${r.target!.result} | ${r.target!.met ? 'met' : '**missed**'}${f.quick ? ' (quick run)' : ''} |`;
  }));
  if (rows.length === 0) return [];
  return ['## Targets', '', '| suite | measurement | target | latest run | |', '| --- | --- | --- | ---: | --- |', ...rows, ''];
}

export function benchmarkPage(files: Map<string, SuiteResults>): string {
  const order = [...Object.keys(ABOUT), ...[...files.keys()].filter((s) => !(s in ABOUT)).sort()];
  const present = order.filter((s) => files.has(s)).map((s) => files.get(s)!);
  const sections = present.map(section);
  return [
    '<!-- Generated by `npm run bench` (benches/report.ts) from benches/results/<date>-<suite>.json. Do not edit by hand. -->',
    '# Benchmarks',
    '',
    'Each suite\'s latest run, written by the bench itself: the date, the machine, the command that',
    'measures it again, and the figures. A figure is the median over the runs a row names, with the',
    'lowest and highest beside it; the unit is nanoseconds per operation unless the row names',
    'another. `npm run bench` runs every suite but the overhead one (minutes long: `npm run bench --',
    'overhead`), `npm run bench -- <suite>` one; `--quick` makes each shorter, and a quick run says so',
    'below. Each run writes `benches/results/<date>-<suite>.json`; earlier figures are in git\'s history.',
    'Decisions these figures informed are in',
    '[decisions.md](decisions.md).',
    '',
    ...targets(present),
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
}

/** The charts the latest results make, by file name. */
export function benchmarkCharts(files: Map<string, SuiteResults>): Map<string, string> {
  const overhead = files.get('overhead')?.overhead;
  return overhead ? overheadCharts(overhead) : new Map();
}

export function writeBenchmarkPage(dir = RESULTS_DIR, page = PAGE, chartsDir = CHARTS_DIR): void {
  const files = readSuiteResults(dir);
  writeFileSync(page, benchmarkPage(files));
  const charts = benchmarkCharts(files);
  if (charts.size) mkdirSync(chartsDir, { recursive: true });
  for (const [name, svg] of charts) writeFileSync(new URL(name, chartsDir), svg);
}
