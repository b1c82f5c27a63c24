// proxy_http_call performed for real: the module names an Envoy cluster, the embedder maps
// cluster names to URLs, and the call goes out over HTTP/1.1 (or HTTPS) with keep-alive.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { HttpCallError } from './call-failure.js';
import { flatten, type Pair } from './pairs.js';

export interface HttpCallRequest {
  url: URL;
  headers: readonly Pair[];
  /** The call's own: it is sent as it is, not copied again. */
  body: Uint8Array;
  trailers: readonly Pair[];
  /** 0 means no timeout, as in Envoy. */
  timeoutMs: number;
  /** For an https:// cluster: the agent holding the CAs its certificate may be signed by; default Node's CAs. */
  httpsAgent?: https.Agent;
}

export interface HttpCallResponse {
  /** Header pairs including `:status`, byte strings, keys lower-case. */
  headers: Pair[];
  body: Buffer;
  trailers: Pair[];
}

/** Connections kept for calls; an https agent with other CAs is made by clusterAgent. */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** An agent for https:// clusters whose certificates are signed by `ca` (PEM certificates, the whole list trusted). */
export const clusterAgent = (ca: string[]): https.Agent => new https.Agent({ keepAlive: true, maxSockets: 64, ca });

/**
 * Memory for call bodies, kept when a call is over: a module sends batch after batch of about
 * the same size, and fresh memory for each (page faults, garbage) cost as much as the copy.
 * Envoy too copies a body into buffers it keeps for reuse.
 */
const spare: ArrayBuffer[] = [];
const pooled = new WeakSet<ArrayBuffer>();

/** Room for a call body of `size` bytes; performHttpCall gives it back when the call is over. */
export function callBody(size: number): Uint8Array {
  const i = spare.findIndex((b) => b.byteLength >= size && b.byteLength <= 2 * size + 4096);
  const memory = i >= 0 ? spare.splice(i, 1)[0]! : new ArrayBuffer(size);
  pooled.add(memory);
  return new Uint8Array(memory, 0, size);
}

function giveBack(body: Uint8Array): void {
  if (!pooled.has(body.buffer as ArrayBuffer)) return;
  if (spare.length >= 8) spare.shift();
  spare.push(body.buffer as ArrayBuffer);
}

function rawPairs(raw: readonly string[], into: Pair[] = []): Pair[] {
  for (let i = 0; i + 1 < raw.length; i += 2) into.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return into;
}

/** Pseudo-headers become the request line and Host; the rest go through unchanged. */
export function performHttpCall(call: HttpCallRequest): { done: Promise<HttpCallResponse>; cancel: () => void } {
  let method = 'GET';
  let path = '/';
  const headers: [string, string][] = [];
  for (const [k, v] of call.headers) {
    if (k === ':method') method = v;
    else if (k === ':path') path = v;
    else if (k === ':authority') headers.push(['host', v]);
    else if (!k.startsWith(':')) headers.push([k, v]);
  }
  const hasTrailers = call.trailers.length > 0;
  // With trailers the body must go chunked, so no content-length then.
  if (call.body.length > 0 && !hasTrailers) headers.push(['content-length', String(call.body.length)]);
  if (hasTrailers) headers.push(['trailer', call.trailers.map(([k]) => k).join(', ')]);
  const secure = call.url.protocol === 'https:';
  const mod = secure ? https : http;
  let req: http.ClientRequest | undefined;
  let gotHeaders = false;
  let timedOut = false;
  const done = new Promise<HttpCallResponse>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      reject(new HttpCallError(err, !gotHeaders, timedOut));
    };
    req = mod.request({
      protocol: call.url.protocol,
      hostname: call.url.hostname,
      port: call.url.port,
      method,
      path,
      headers: flatten(headers),
      agent: secure ? call.httpsAgent ?? agents['https:'] : agents['http:'],
      setHost: false,
      // The certificate is checked against the cluster's host name (sent as SNI unless an IP), as
      // Envoy's UpstreamTlsContext sni and SAN match would be set, not against the call's :authority.
      ...(secure ? { servername: isIP(call.url.hostname) ? '' : call.url.hostname } : {}),
    }, (res) => {
      gotHeaders = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('response aborted')));
      res.on('end', () => {
        if (settled) return;
        if (!res.complete) return fail(new Error('response ended early'));
        settled = true;
        if (timer) clearTimeout(timer);
        const pairs = rawPairs(res.rawHeaders, [[':status', String(res.statusCode ?? 0)]]);
        resolve({ headers: pairs, body: Buffer.concat(chunks), trailers: rawPairs(res.rawTrailers) });
      });
    });
    req.on('error', fail);
    // Closed: the body has been written (or never will be), so its memory can serve another.
    req.on('close', () => giveBack(call.body));
    if (call.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        req?.destroy(new Error(`timed out after ${call.timeoutMs} ms`));
      }, call.timeoutMs);
    }
    if (hasTrailers) req.addTrailers(call.trailers as [string, string][]);
    req.end(Buffer.from(call.body.buffer, call.body.byteOffset, call.body.byteLength)); // a view: the body is the call's own copy
  });
  return { done, cancel: () => req?.destroy(new Error('cancelled')) };
}
