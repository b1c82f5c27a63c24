// What the filter costs, side by side with the no-op guest in the same run: a whole request
// (GET, 15 headers, 3 query parameters, no body) with every default detector on, its record
// shipped to a collector in another process as a proxy would (the requests run a hundred at a
// time with the event loop turning between, so batches go out as they fill: none is dropped);
// the CPU all told, shipping included; the scanner's throughput on a 4 KiB JSON body of the kind
// an API carries and on one dense in nested URLs, form text and JSON text inside strings; and
// the size of the module.
import { statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { encodePairs, HeaderMap, Host, type Plugin, type Pair } from '../host/src/index.js';
import { REQUEST_RAW, RESPONSE_RAW } from './host.bench.js';
import { DISTURB_KIB, disturb, disturbed } from './disturb.js';
import { type Measurement, target, withTarget } from './measure.js';

const built = (p: string) => new URL(`../../build/${p}`, import.meta.url).pathname;

const pairs = (raw: string[]): Pair[] => {
  const out: Pair[] = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
};

/** Headers as Envoy holds them, bytes ready to hand over: the bench times the filter, not JS string encoding. */
const REQUEST = encodePairs(pairs(REQUEST_RAW));
const RESPONSE = encodePairs(pairs(RESPONSE_RAW));

const PROPERTIES = {
  source: { address: '10.1.0.7:51234' },
  destination: { address: '10.1.0.9:8080' },
  upstream: { address: '10.1.0.9:8081', local_address: '127.0.0.6:40211' },
  cluster_name: 'inbound|8080||',
  route_name: 'default',
  // One downstream connection carrying every request, as between sidecars.
  connection: { id: 7n, requested_server_name: 'outbound_.8080_._.orders.shop.svc.cluster.local' },
  request: { protocol: 'HTTP/1.1' },
  response: { flags: 0, code_details: 'via_upstream' },
};

function request(plugin: Plugin): void {
  const s = plugin.newStream(PROPERTIES);
  s.onRequestHeaders(HeaderMap.fromEncoded(REQUEST), true);
  s.onResponseHeaders(HeaderMap.fromEncoded(RESPONSE), true);
  s.finish();
}

/**
 * The same request with the caches disturbed before each header callback, as a proxy's own work
 * between them does: the ns its callbacks took, the disturbance left out (its cost, far larger
 * than a request's, would drown the difference in its own noise).
 */
function coldRequest(plugin: Plugin): number {
  disturb(DISTURB_KIB / 2); // the downstream read and parse
  let t0 = process.hrtime.bigint();
  const s = plugin.newStream(PROPERTIES);
  s.onRequestHeaders(HeaderMap.fromEncoded(REQUEST), true);
  let ns = process.hrtime.bigint() - t0;
  disturb(DISTURB_KIB / 2); // the upstream write, read and parse
  t0 = process.hrtime.bigint();
  s.onResponseHeaders(HeaderMap.fromEncoded(RESPONSE), true);
  s.finish();
  ns += process.hrtime.bigint() - t0;
  return Number(ns);
}

/** A 4 KiB JSON body of the kind an API carries, with a few secrets in it. */
export function jsonBody(size = 4096): string {
  const items: string[] = [];
  let i = 0;
  while (items.join(',').length < size - 200) {
    items.push(JSON.stringify({ id: 1000 + i, sku: `SKU-${(i * 7919) % 100000}`, name: `Widget model ${i}`, qty: i % 7, price: (i * 3.17).toFixed(2),
      note: i % 9 === 0 ? 'contact ops@example.com' : 'standard shipping, leave at the door', tags: ['a', 'b', 'c'] }));
    i++;
  }
  return `{"order":"o-7781","card":"4111 1111 1111 1111","items":[${items.join(',')}]}`.slice(0, size);
}

/**
 * A 4 KiB JSON body dense in structure inside text, as an echoing or webhook-heavy service
 * returns: URLs with query parameters (some secret) inside strings, percent-encoded URLs inside
 * those, form text and JSON text inside strings, and a secret or two.
 */
export function denseBody(size = 4096): string {
  const items: string[] = [];
  let i = 0;
  while (items.join(',').length < size - 300) {
    const redirect = encodeURIComponent(`https://app.example/done?tab=${i}&access_token=tok${i}x9&lang=en`);
    items.push(JSON.stringify({
      id: i,
      callback: `https://hooks.example/cb/${i}?event=order.paid&sig=${(i * 7919).toString(16)}&attempt=${i % 3}`,
      next: `/login?redirect=${redirect}&theme=dark`,
      data: `user=u${i}&password=pw${i}&remember=1`,
      echo: JSON.stringify({ user: `u${i}`, note: 'see /help?topic=billing&page=2' }),
    }));
    i++;
  }
  return `{"webhooks":[${items.join(',')}]}`.slice(0, size);
}

/**
 * 64 KiB bodies of crafted shapes, each a shape a detector once read again and again (a run
 * reread from each of its starts would make the scan quadratic): the scan should stay within a
 * few times an ordinary body of the same size.
 */
export function craftedBodies(size = 65536): [string, string][] {
  const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  return [
    ['ordinary text', fill('lorem ipsum dolor sit amet, ')],
    ['runs of "sk-"', fill('sk-')],
    ['a name\'s letters without end', fill('passwordtoken')],
    ['separators after a name', fill('password=:')],
    ['quotes and backslashes', fill('\\"\\\\"')],
    ['digit groups', fill('4111 ')],
    ['at signs', fill('a@b.')],
    ['an unclosed key\'s value', fill('{"pin":[')],
  ];
}

/**
 * A stand-in collector in a process of its own, so that its work is not counted as the proxy's:
 * it takes batches and, after each, writes how many records it has had on its stdout.
 */
async function collectorStub(): Promise<{ url: string; received(): number; stop(): void }> {
  const code = `
    const http = require('node:http');
    let records = 0;
    const server = http.createServer((req, res) => {
      req.on('data', (c) => { for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) records++; });
      req.on('end', () => { res.end(); process.stdout.write(records + '\\n'); });
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let latest = 0;
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  let partial = '';
  child.stdout.on('data', (d: Buffer) => {
    const lines = (partial + String(d)).split('\n');
    partial = lines.pop()!; // a line the pipe has not finished
    if (lines.length) latest = Number(lines.at(-1));
  });
  return { url: `http://127.0.0.1:${port}`, received: () => latest, stop: () => child.kill() };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * n requests through a plugin, 100 at a time with a turn of the event loop between, as a proxy
 * does (so batches go out and answers come back as they would): the ns the requests themselves
 * took, the turns left out.
 */
async function requests(plugin: Plugin, n: number, { cold = false } = {}): Promise<number> {
  let ns = 0;
  for (let done = 0; done < n; done += 100) {
    if (cold) {
      for (let i = 0; i < 100; i++) ns += coldRequest(plugin);
    } else {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 100; i++) request(plugin);
      ns += Number(process.hrtime.bigint() - t0);
    }
    await turn();
  }
  return ns;
}

export async function filterBench(quick: boolean): Promise<Measurement[]> {
  const collector = await collectorStub();
  const host = new Host({ clusters: { 'redtail-collector': collector.url }, onLog: () => {}, logLevel: 'warning' });
  // Many short rounds, each timing the no-op, a guest that makes only the filter's host calls,
  // and the filter, in slices taken in turn: this machine's speed changes (it spends long
  // spells at about half its full speed, everything in them taking twice as long, the no-op
  // too), so differences are taken within a round, where a change of speed falls on all three
  // alike, and the rounds are reported by the speed they ran at as well as together.
  const iterations = quick ? 3_000 : 10_000;
  const runs = quick ? 11 : 41;
  const SLICES = 5;

  const noop = host.startPlugin(await host.load(built('guests/noop.wasm')));
  const calls = host.startPlugin(await host.load(built('guests/filter-calls.wasm')));
  const filter = host.startPlugin(await host.load(built('filter.wasm')), { configuration: '{}' });
  // Each guest warm (requests back to back, the module's code and data staying in the caches)
  // and cold (the caches disturbed between callbacks, as by a proxy's own work): the same
  // requests, in slices taken in turn, the order turning from slice to slice.
  const plugins = [noop, calls, filter];
  const variants = [false, true].flatMap((cold) => plugins.map((plugin) => ({ plugin, cold })));
  /** A round's ns a request: the no-op, calls and filter guests warm, then the same cold. */
  type Round = [number, number, number, number, number, number];
  const times: Round[] = [];
  for (const plugin of plugins) await requests(plugin, 5000); // warm-up
  let filtered = 5000; // records the filter has made, all of which the collector must get
  for (let r = 0; r < runs; r++) {
    const total = variants.map(() => 0);
    for (let slice = 0; slice < SLICES; slice++) {
      for (let j = 0; j < variants.length; j++) {
        const k = (j + slice + r) % variants.length;
        total[k] = total[k]! + await requests(variants[k]!.plugin, iterations / SLICES, { cold: variants[k]!.cold });
      }
    }
    filtered += 2 * iterations;
    times.push(total.map((ns) => ns / iterations) as Round);
  }
  const spread = (name: string, values: number[]): Measurement => {
    const sorted = [...values].sort((a, b) => a - b);
    return { name, nsPerOp: sorted[Math.floor(sorted.length / 2)] ?? 0, minNs: sorted[0] ?? 0, maxNs: sorted.at(-1) ?? 0, runs: values.length, iterations };
  };
  const b = spread('', times.map((t) => t[0]));
  const f = spread('', times.map((t) => t[2]));
  // A round ran at full speed when its no-op request took at most 30% more than the fastest one.
  const fastest = b.minNs;
  const full = times.filter((t) => t[0] <= 1.3 * fastest);
  const slowed = times.filter((t) => t[0] > 1.3 * fastest);
  const slowBy = slowed.length ? spread('', slowed.map((t) => t[0])).nsPerOp / fastest : 0;
  const ratio = spread('', times.map((t) => (t[2] - t[0]) / t[0]));
  const results: Measurement[] = [
    { ...b, name: 'request through the no-op guest (baseline)' },
    { ...f, name: `request through the filter (default config): ${(f.nsPerOp / b.nsPerOp).toFixed(1)}x the baseline` },
    withTarget(spread('added by the filter, per request, paired by round', times.map((t) => t[2] - t[0])), (m) => target(m.nsPerOp, 'ns', { max: 5000 })),
    spread(`… in the ${full.length} rounds at the machine's full speed (no-op within 30% of its fastest)`, full.map((t) => t[2] - t[0])),
    spread(`… in the ${slowed.length} rounds in a slow spell (no-op ${slowBy.toFixed(1)}x its fastest)`, slowed.map((t) => t[2] - t[0])),
    { ...ratio, name: `… as no-op requests: ${ratio.nsPerOp.toFixed(1)}x, which at the no-op's fastest (${fastest.toFixed(0)} ns) is ${(ratio.nsPerOp * fastest).toFixed(0)} ns` },
    spread('… of which its 10 host calls in this host (2 header maps, 6 properties, 2 clock reads)', times.map((t) => t[1] - t[0])),
    spread('… of which the filter\'s own code', times.map((t) => t[2] - t[1])),
    spread(`cold, the caches disturbed between callbacks (${DISTURB_KIB} KiB written a request): added by the filter, paired by round`, times.map((t) => t[5] - t[3])),
    { ...spread('', times.map((t) => (t[5] - t[3]) / (t[2] - t[0]))), unit: 'x', name: '… cold against warm, round by round' },
    spread('… of which its host calls', times.map((t) => t[4] - t[3])),
    spread('… of which the filter\'s own code', times.map((t) => t[5] - t[4])),
  ];
  if (disturbed() < 0) throw new Error('unreachable: keeps the disturbance from being optimised away');

  // All told: the CPU the process spends (every thread) while the requests run, their batches
  // going out over loopback TCP as they fill and the answers coming back, beside the no-op's,
  // round by round. After each round, and outside the count, the collector is waited for until
  // it has every record: the round's last batch, which waits for the tick, is left out (at most
  // 1 MiB, 2% of a round's 50,000 records), and nothing spills into the next round.
  const steadyRuns = quick ? 3 : 9;
  const steadyRequests = 5 * iterations;
  const cpu: [number, number][] = [];
  for (let r = 0; r < steadyRuns; r++) {
    const round: number[] = [];
    for (const plugin of [noop, filter]) {
      const c0 = process.cpuUsage();
      await requests(plugin, steadyRequests);
      const c = process.cpuUsage(c0);
      round.push(((c.user + c.system) * 1000) / steadyRequests);
    }
    filtered += steadyRequests;
    const deadline = Date.now() + 15_000;
    while (collector.received() < filtered && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
    cpu.push(round as [number, number]);
  }
  const received = collector.received();
  results.push(
    { ...spread('all told: CPU added per request, its record shipped over loopback by this host\'s HTTP client (Node\'s)', cpu.map(([n, fl]) => fl - n)), iterations: steadyRequests },
    { name: received >= filtered ? `… every record reached the collector (${filtered})` : `… the collector received ${received} of ${filtered} records: the filter dropped the rest`, nsPerOp: 0, minNs: 0, maxNs: 0, runs: 0, iterations: 0 },
  );
  await calls.close();

  // The scanner alone over 4 KiB JSON bodies (the plain one and the dense one), inside the guest;
  // each run beside a slice of no-op requests, to tell the machine's speed at the time as the
  // rounds above do.
  const loops = quick ? 200 : 1000;
  const scanCalls = quick ? 5 : 20; // callbacks a run, each scanning the body `loops` times
  const scanGuest = await host.load(built('guests/scan-loop.wasm'));
  const headers = HeaderMap.fromEncoded(REQUEST);
  const scanners = [jsonBody(), denseBody()].map((body) => {
    const plugin = host.startPlugin(scanGuest, { vmConfiguration: body, configuration: String(loops) });
    const stream = plugin.newStream();
    for (let i = 0; i < 2; i++) stream.onRequestHeaders(headers, true);
    return { body, plugin, stream, runs: [] as [number, number][] };
  });
  for (let r = 0; r < runs; r++) {
    const base = (await requests(noop, 2000)) / 2000;
    for (const s of scanners) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < scanCalls; i++) s.stream.onRequestHeaders(headers, true);
      s.runs.push([base, Number(process.hrtime.bigint() - t0) / (scanCalls * loops)]);
    }
  }
  const scanAt = (name: string, rows: [number, number][]): Measurement => ({ ...spread(name, rows.map(([, ns]) => ns)), iterations: scanCalls * loops });
  for (const [k, s] of scanners.entries()) {
    const mbps = (ns: number) => (s.body.length / ns) * 1e3; // bytes per ns → MB/s
    const what = k === 0 ? `a ${s.body.length}-byte JSON body` : `a ${s.body.length}-byte JSON body dense in nested URLs, form and JSON text`;
    const all = scanAt('', s.runs);
    const fullScans = s.runs.filter(([base]) => base <= 1.3 * fastest);
    const slowScans = s.runs.filter(([base]) => base > 1.3 * fastest);
    results.push({ ...all, name: `redaction scan of ${what}: ${mbps(all.nsPerOp).toFixed(0)} MB/s`, target: k === 0 ? target(Math.round(mbps(all.nsPerOp)), 'MB/s', { min: 300 }) : undefined });
    if (fullScans.length) { const m = scanAt('', fullScans); results.push({ ...m, name: `… in the ${fullScans.length} runs at the machine's full speed: ${mbps(m.nsPerOp).toFixed(0)} MB/s` }); }
    if (slowScans.length) { const m = scanAt('', slowScans); results.push({ ...m, name: `… in the ${slowScans.length} runs in a slow spell: ${mbps(m.nsPerOp).toFixed(0)} MB/s` }); }
    await s.plugin.close();
  }

  // Crafted bodies, as text, against an ordinary one of the same size.
  const crafted = craftedBodies();
  const costs: Measurement[] = [];
  for (const [, body] of crafted) {
    const plugin = host.startPlugin(scanGuest, { vmConfiguration: body, configuration: quick ? '2' : '10' });
    const s = plugin.newStream();
    s.onRequestHeaders(headers, true);
    const samples: number[] = [];
    for (let r = 0; r < (quick ? 3 : 9); r++) {
      const t0 = process.hrtime.bigint();
      s.onRequestHeaders(headers, true);
      samples.push(Number(process.hrtime.bigint() - t0) / (quick ? 2 : 10));
    }
    await plugin.close();
    costs.push({ ...spread('', samples), iterations: quick ? 2 : 10 });
  }
  crafted.forEach(([what, body], k) => {
    const ratio = costs[k]!.nsPerOp / costs[0]!.nsPerOp;
    results.push({ ...costs[k]!, name: `scan of ${body.length / 1024} KiB of ${what}: ${ratio.toFixed(1)}x the ordinary text` });
  });

  const size = statSync(built('filter.wasm')).size;
  results.push({ name: `build/filter.wasm: ${(size / 1024).toFixed(1)} KiB`, nsPerOp: 0, minNs: 0, maxNs: 0, runs: 0, iterations: 0, target: target(Math.round(size / 102.4) / 10, 'KiB', { max: 100 }) });

  await noop.close();
  await filter.close(100);
  collector.stop();
  return results;
}
