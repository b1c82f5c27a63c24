// The overhead bench's traffic, driven by autocannon in the bench's own process: the issue's
// request (GET, 15 headers with a bearer token and a cookie, 3 query parameters) on 16 keep-alive
// connections, as fast as it goes or at a fixed overall rate. Latencies are taken from each
// response, to the microsecond (autocannon's own histogram keeps whole milliseconds).
import autocannon from 'autocannon';
import { REQUEST_RAW } from '../host.bench.js';

export const CONNECTIONS = 16;

/** The request as a client sends it: the pseudo-headers become the request line and Host. */
function request(): { path: string; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  let path = '/';
  for (let i = 0; i < REQUEST_RAW.length; i += 2) {
    const [name, value] = [REQUEST_RAW[i]!, REQUEST_RAW[i + 1]!];
    if (name === ':path') path = value;
    else if (name === ':authority') headers.host = value;
    else if (!name.startsWith(':')) headers[name] = value;
  }
  return { path, headers };
}

export interface Load {
  /** Responses with a 2xx status. */
  ok: number;
  /** Errors and answers other than 2xx: a run with any is not a fair figure. */
  failed: number;
  seconds: number;
  /** Every 2xx response's latency, in milliseconds, sorted. */
  latenciesMs: Float64Array;
}

/** Drive the traffic at `url` for `seconds`, at `rate` requests/s overall (undefined: as fast as it goes). */
export async function drive(url: string, { seconds, rate }: { seconds: number; rate?: number }): Promise<Load> {
  const { path, headers } = request();
  const started = process.hrtime.bigint();
  const instance = autocannon({ url: url + path, method: 'GET', headers, connections: CONNECTIONS, duration: seconds, overallRate: rate });
  const latencies: number[] = [];
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = await instance;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    ok: latencies.length,
    failed: result.errors + result.timeouts + result.non2xx,
    seconds: elapsed,
    latenciesMs: Float64Array.from(latencies).sort(),
  };
}
