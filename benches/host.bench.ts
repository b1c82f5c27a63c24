// What the host costs: a whole request lifecycle through a no-op guest, and single host calls
// timed from inside the guest (a loop of calls, minus the same loop calling nothing).
import { HeaderMap, Host } from '../host/src/index.js';
import { measure, type Measurement } from './measure.js';

const guest = (name: string) => new URL(`../../build/guests/${name}.wasm`, import.meta.url).pathname;

/** A realistic request: 15 headers as a browser or service client sends them. */
export const REQUEST_RAW = [
  ':method', 'GET', ':path', '/api/v1/orders?page=2&sort=desc&token=abc', ':authority', 'orders.shop.svc.cluster.local',
  ':scheme', 'http', 'user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36',
  'accept', 'application/json', 'accept-encoding', 'gzip, deflate, br', 'accept-language', 'en-US,en;q=0.9',
  'x-request-id', '6f1c2a9e-3b7d-4f1e-9c0a-5d2e8b7f4a31', 'x-forwarded-for', '203.0.113.7',
  'x-forwarded-proto', 'https', 'traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  'authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl', 'cookie', 'session=deadbeef; theme=dark',
  'content-type', 'application/json',
];
export const RESPONSE_RAW = [':status', '200', 'content-type', 'application/json', 'content-length', '512', 'date', 'Fri, 27 Nov 2026 23:59:59 GMT'];

export async function hostBench(quick: boolean): Promise<Measurement[]> {
  const host = new Host({ onLog: () => {}, logLevel: 'critical' });
  const iterations = quick ? 20_000 : 200_000;
  const runs = quick ? 3 : 7;
  const results: Measurement[] = [];

  const noop = host.startPlugin(await host.load(guest('noop')));
  results.push(measure('lifecycle: no-op guest, 15 request headers', () => {
    const s = noop.newStream();
    s.onRequestHeaders(HeaderMap.fromRaw(REQUEST_RAW), true);
    s.onResponseHeaders(HeaderMap.fromRaw(RESPONSE_RAW), true);
    s.finish();
  }, { iterations, runs }));

  results.push(measure('headers: 15 from strings to the pairs encoding', () => {
    HeaderMap.fromRaw(REQUEST_RAW.slice()).encode();
  }, { iterations: iterations / 2, runs, warmup: 1000 }));
  results.at(-1)!.note = 'what a proxy fed by Node\'s HTTP parser pays once per map a module reads; Envoy holds headers as bytes';

  const loop = await host.load(guest('hostcall-loop'));
  const calls = quick ? 200 : 1000;
  const loud = new Host({ onLog: () => {}, logLevel: 'info' });
  const timeLoop = (op: string, on = host) => {
    const plugin = on.startPlugin(loop, { configuration: `${op} ${calls}` });
    const headers = HeaderMap.fromRaw(REQUEST_RAW);
    const stream = plugin.newStream({ request: { path: '/api/v1/orders' } });
    return measure(op, () => stream.onRequestHeaders(headers, true), { iterations: iterations / calls * 10, runs, opsPerCall: calls, warmup: 50 });
  };
  const empty = timeLoop('none');
  for (const [label, op, on] of [['get value', 'get_value', host], ['get pairs', 'get_pairs', host], ['get property', 'get_property', host],
    ['log (below the level)', 'log', host], ['log (delivered)', 'log', loud]] as const) {
    const m = timeLoop(op, on);
    // Subtract the callback's own cost, spread over the loop, to leave the host call.
    const base = empty.nsPerOp;
    results.push({ ...m, name: `host call: ${label}`, nsPerOp: m.nsPerOp - base, minNs: m.minNs - base, maxNs: m.maxNs - base });
  }
  return results;
}
