// A real HTTP/1.1 reverse proxy built on the host: every request runs through the plugin's
// filter as Envoy would run it (headers, streamed bodies and trailers both ways, pauses, local replies, then
// log, done and delete), on one of N VMs like Envoy's workers, with the properties Envoy gives a
// filter. For local work and demos; it is not a production proxy.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamType } from './abi.js';
import { HeaderMap } from './headers.js';
import type { Plugin } from './plugin.js';
import { Duration, Timestamp } from './properties.js';
import type { FilterStatus, HttpStream } from './stream.js';
import { passThrough } from './pass-through.js';
import { write } from './backpressure.js';

export interface ProxyOptions {
  /** The plugins to spread requests over (one per VM, like Envoy's worker threads); none: a plain pass-through. */
  plugins: Plugin[];
  /** Where requests go: http://host:port */
  upstream: string;
  port: number;
  host?: string;
}

// Envoy's response flag bits (StreamInfo::CoreResponseFlag) the proxy can set.
const UF = 0x20;
const DC = 0x4000;

/** Hop-by-hop headers are the proxy's own business, not forwarded. (Trailer is end to end.) */
export const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'upgrade', 'host']);

/** Node's raw header list without its hop-by-hop headers, appended to `into` as a flat list. */
export function endToEnd(raw: string[], into: string[] = []): string[] {
  for (let i = 0; i + 1 < raw.length; i += 2) if (!HOP.has(raw[i]!.toLowerCase())) into.push(raw[i]!, raw[i + 1]!);
  return into;
}

/** Trailers as the module sees them, or undefined when the message had none. */
function trailersOf(raw: string[]): HeaderMap | undefined {
  if (raw.length === 0) return undefined;
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return HeaderMap.fromPairs(pairs);
}

/** Headers for Node's writeHead/addTrailers, [k0, v0, k1, v1, …]: pseudo-headers and hop-by-hop ones left out. */
function wireHeaders(headers: HeaderMap): string[] {
  const flat = headers.flat();
  const out: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const k = flat[i]!;
    if (k.charCodeAt(0) !== 0x3a && !HOP.has(k)) out.push(k, flat[i + 1]!);
  }
  return out;
}

/** Node's addTrailers takes pairs, not a flat list. */
function wirePairs(headers: HeaderMap): [string, string][] {
  const flat = wireHeaders(headers);
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

let nextConnection = 1n;

export async function startProxy(options: ProxyOptions): Promise<{ url: string; server: http.Server; close(): Promise<void> }> {
  const upstream = new URL(options.upstream);
  const agent = new http.Agent({ keepAlive: true });
  let next = 0;

  const server = http.createServer((req, res) => {
    if (options.plugins.length === 0) return passThrough(req, res, upstream, agent);
    const plugin = options.plugins[next++ % options.plugins.length]!;
    const socket = req.socket as typeof req.socket & { redtailId?: bigint };
    socket.redtailId ??= nextConnection++;
    const started = process.hrtime.bigint();
    let flags = 0;
    let details = 'via_upstream';
    let upstreamAddress: string | undefined;
    const stream = plugin.newStream({
      request: {
        time: new Timestamp(plugin.vm.host.now()),
        protocol: `HTTP/${req.httpVersion}`,
        duration: () => new Duration(process.hrtime.bigint() - started),
      },
      response: { flags: () => flags, code_details: () => details },
      source: { address: `${req.socket.remoteAddress}:${req.socket.remotePort}` },
      destination: { address: `${req.socket.localAddress}:${req.socket.localPort}` },
      upstream: { address: () => upstreamAddress },
      connection: { id: socket.redtailId },
      cluster_name: 'upstream',
      route_name: 'default',
    });
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      stream.finish();
    };
    /** The upstream request, once made: a client gone before its answer ends takes it with it. */
    let upstreamRequest: http.ClientRequest | undefined;
    res.on('close', () => {
      if (!res.writableFinished) {
        flags |= DC;
        details = 'downstream_remote_disconnect';
        upstreamRequest?.destroy();
      }
      finish();
    });

    /** Wait out a pause; a reset from the module resets the client's connection. */
    const settle = async (status: FilterStatus, type: StreamType): Promise<FilterStatus> => {
      const outcome = await stream.settle(status, type);
      if (outcome !== 'closed') return outcome;
      res.destroy();
      return 'reply'; // nothing more to send
    };

    /** The module's local reply, as the client gets it after the response callbacks. */
    const reply = () => {
      if (res.destroyed) return;
      details = stream.localReply!.details || 'local_reply';
      const { headers, body } = stream.encodeLocalReply();
      sendHead(res, headers);
      res.end(body.length ? body : undefined);
    };

    const run = async () => {
      const flat = endToEnd(req.rawHeaders, [':method', req.method ?? 'GET', ':path', req.url ?? '/', ':authority', req.headers.host ?? '', ':scheme', 'http']);
      if (req.headers['x-request-id'] === undefined) flat.push('x-request-id', randomUUID());
      const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
      const requestHeaders = HeaderMap.fromRaw(flat);
      if ((await settle(stream.onRequestHeaders(requestHeaders, !hasBody), StreamType.Request)) === 'reply') return reply();

      // The upstream request, with the headers as the filter left them.
      const headers = wireHeaders(requestHeaders);
      headers.push('host', requestHeaders.get(':authority') ?? upstream.host);
      const up = http.request({
        protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, agent,
        method: requestHeaders.get(':method'), path: requestHeaders.get(':path'), headers, setHost: false,
      });
      upstreamRequest = up;
      // A kept-alive socket is already connected and never emits 'connect' again: read its address
      // now, and listen once only on a new one (a listener a request would pile up on the socket).
      up.on('socket', (s) => {
        const note = () => { upstreamAddress = `${s.remoteAddress}:${s.remotePort}`; };
        if (s.connecting) s.once('connect', note);
        else note();
      });
      const response = new Promise<http.IncomingMessage>((resolve, reject) => {
        up.on('response', resolve);
        up.on('error', reject);
      });
      response.catch(() => {});

      if (hasBody) {
        for await (const chunk of req) {
          const status = stream.onRequestBody(chunk as Buffer, false);
          if (status === 'reply') { up.destroy(); return reply(); }
          if (status === 'continue') await write(up, stream.requestBody.take());
        }
        // As in Envoy: with trailers, the body never sees end_of_stream; the trailers end the stream.
        const trailers = trailersOf(req.rawTrailers);
        const last = await settle(trailers ? stream.onRequestTrailers(trailers) : stream.onRequestBody(Buffer.alloc(0), true), StreamType.Request);
        if (last === 'reply') { up.destroy(); return reply(); }
        const rest = stream.requestBody.take();
        if (rest.length) up.write(rest);
        if (trailers) up.addTrailers(wirePairs(trailers));
      }
      up.end();

      let upRes: http.IncomingMessage;
      try {
        upRes = await response;
      } catch (err) {
        // Envoy's answer when the upstream cannot be reached: a local 503 with the UF flag.
        flags |= UF;
        details = 'upstream_reset_before_response_started{connection_failure}';
        const body = Buffer.from(`upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: ${(err as Error).message}`);
        const headers = HeaderMap.fromPairs([[':status', '503'], ['content-type', 'text/plain'], ['content-length', String(body.length)]]);
        stream.onResponseHeaders(headers, false);
        stream.onResponseBody(body, true);
        sendHead(res, headers);
        return res.end(stream.responseBody.take());
      }
      const responseHeaders = HeaderMap.fromRaw(endToEnd(upRes.rawHeaders, [':status', String(upRes.statusCode ?? 502)]));
      const bodyExpected = upRes.headers['content-length'] !== '0' && req.method !== 'HEAD' && upRes.statusCode !== 204 && upRes.statusCode !== 304;
      if ((await settle(stream.onResponseHeaders(responseHeaders, !bodyExpected), StreamType.Response)) === 'reply') {
        upRes.destroy();
        return reply();
      }
      // As Envoy: the length goes on as the module left it in the headers (a module that changes
      // the body removes it, and the answer is chunked). One that changed the body and kept it gets
      // its answer cut short (reset) rather than sent with a length that is not its body's.
      const declared = bodyExpected ? lengthOf(responseHeaders) : undefined;
      let sent = 0;
      const fits = (chunk: Buffer) => declared === undefined || (sent += chunk.length) <= declared;
      sendHead(res, responseHeaders);
      // An answer with no body still ends its message: read to its end, the upstream connection
      // goes back to the pool for the next request (unread, Node keeps it and opens another).
      if (!bodyExpected) upRes.resume();
      else {
        for await (const chunk of upRes) {
          const status = stream.onResponseBody(chunk as Buffer, false);
          if (status !== 'continue') continue;
          const out = stream.responseBody.take();
          if (!fits(out)) return void res.destroy();
          await write(res, out);
        }
        const trailers = trailersOf(upRes.rawTrailers);
        await settle(trailers ? stream.onResponseTrailers(trailers) : stream.onResponseBody(Buffer.alloc(0), true), StreamType.Response);
        const rest = stream.responseBody.take();
        if (!fits(rest) || (declared !== undefined && sent !== declared)) return void res.destroy();
        if (rest.length) res.write(rest);
        if (trailers) res.addTrailers(wirePairs(trailers));
      }
      res.end();
    };
    run().catch((err: Error) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`redtail proxy: ${err.message}\n`);
      } else res.destroy();
      finish();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      agent.destroy();
    }),
  };
}

/** The content-length a header map declares; undefined when it declares none or one that is not a length. */
function lengthOf(headers: HeaderMap): number | undefined {
  const v = headers.get('content-length');
  return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
}

/** Response headers to the client: :status as the status, pseudo-headers and hop-by-hop ones left out. */
function sendHead(res: http.ServerResponse, headers: HeaderMap): void {
  res.writeHead(Number(headers.get(':status') ?? 200), wireHeaders(headers));
}
