// One whole request through a plugin, the way Envoy's filter chain drives it: request headers,
// body chunks and trailers (waiting out pauses), the upstream, the response the same way, and a
// local reply run back through the response callbacks as Envoy's encoder chain does; then log,
// done and delete. Tests and benches use it; `redtail proxy` streams with the same steps.
import { StreamType } from './abi.js';
import type { LocalReply } from './context.js';
import { HeaderMap, type HeadersInit } from './headers.js';
import { Duration, type PropertyMap, Timestamp } from './properties.js';
import type { Plugin } from './plugin.js';
import type { FilterStatus, HttpStream } from './stream.js';

type Body = string | Uint8Array | readonly (string | Uint8Array)[];

export interface ExchangeRequest {
  headers: HeadersInit;
  /** One chunk, or several (each reaches proxy_on_request_body on its own). */
  body?: Body;
  trailers?: HeadersInit;
}

export interface ExchangeResponse {
  headers: HeadersInit;
  body?: Body;
  trailers?: HeadersInit;
}

export interface UpstreamRequest {
  headers: HeaderMap;
  body: Buffer;
  trailers: HeaderMap | undefined;
}

export interface ExchangeOptions {
  /** Attributes for this request (source.address, upstream.address, connection.*, …). */
  properties?: PropertyMap;
  /** The upstream: answers the request the filter let through. Default: 200 with no body. */
  upstream?: (request: UpstreamRequest) => ExchangeResponse | Promise<ExchangeResponse>;
  /** The client goes away at this point (a reset): the stream ends without a response. */
  resetAfter?: 'request-headers' | 'response-headers';
  /** How long to wait for proxy_continue_stream after a pause (default 5000 ms). */
  resumeTimeoutMs?: number;
}

export interface ExchangeResult {
  stream: HttpStream;
  /** What reached the upstream (undefined when the filter answered locally or the client reset). */
  upstreamRequest: UpstreamRequest | undefined;
  /** What reached the client. */
  response: { headers: HeaderMap; body: Buffer; trailers: HeaderMap | undefined } | undefined;
  localReply: LocalReply | undefined;
}

const chunks = (body: Body | undefined): Uint8Array[] => {
  if (body === undefined) return [];
  const list = typeof body === 'string' || body instanceof Uint8Array ? [body] : body;
  return list.map((c) => (typeof c === 'string' ? Buffer.from(c) : c));
};

class Replied extends Error {}

export async function runExchange(plugin: Plugin, request: ExchangeRequest, options: ExchangeOptions = {}): Promise<ExchangeResult> {
  const started = process.hrtime.bigint();
  const startNs = plugin.vm.host.now();
  let requestBytes = 0;
  let responseBytes = 0;
  const given = options.properties ?? {};
  const stream = plugin.newStream({
    ...given,
    request: {
      time: new Timestamp(startNs),
      protocol: 'HTTP/1.1',
      duration: () => new Duration(process.hrtime.bigint() - started),
      size: () => requestBytes,
      total_size: () => requestBytes,
      ...(given.request as PropertyMap | undefined),
    },
    response: {
      size: () => responseBytes,
      total_size: () => responseBytes,
      ...(given.response as PropertyMap | undefined),
    },
  });
  const timeoutMs = options.resumeTimeoutMs ?? 5000;

  /** Wait out a pause; a local reply or a reset ends the exchange early. */
  const settle = async (status: FilterStatus, type: StreamType): Promise<void> => {
    const outcome = await stream.settle(status, type, timeoutMs);
    if (outcome === 'reply') throw new Replied();
    if (outcome === 'closed') throw new Error('the module closed the stream');
  };

  /** Headers, then body chunks (buffering while paused), then trailers, for one direction. */
  const pass = async (type: StreamType, message: ExchangeRequest): Promise<{ headers: HeaderMap; body: Buffer; trailers: HeaderMap | undefined }> => {
    const isRequest = type === StreamType.Request;
    const headers = HeaderMap.from(message.headers);
    const parts = chunks(message.body);
    const trailers = message.trailers === undefined ? undefined : HeaderMap.from(message.trailers);
    const buffer = isRequest ? stream.requestBody : stream.responseBody;
    const forwarded: Buffer[] = [];
    await settle(isRequest ? stream.onRequestHeaders(headers, parts.length === 0 && !trailers) : stream.onResponseHeaders(headers, parts.length === 0 && !trailers), type);
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      if (isRequest) requestBytes += parts[i]!.length;
      else responseBytes += parts[i]!.length;
      const status = isRequest ? stream.onRequestBody(parts[i]!, last && !trailers) : stream.onResponseBody(parts[i]!, last && !trailers);
      if (status === 'pause' && !(last && !trailers)) continue; // StopIterationAndBuffer: keep feeding
      await settle(status, type);
      forwarded.push(buffer.take());
    }
    if (trailers) {
      await settle(isRequest ? stream.onRequestTrailers(trailers) : stream.onResponseTrailers(trailers), type);
      forwarded.push(buffer.take());
    }
    return { headers, body: Buffer.concat(forwarded), trailers };
  };

  let upstreamRequest: UpstreamRequest | undefined;
  let response: ExchangeResult['response'];
  try {
    try {
      if (options.resetAfter === 'request-headers') {
        await settle(stream.onRequestHeaders(HeaderMap.from(request.headers), false), StreamType.Request);
      } else {
        upstreamRequest = await pass(StreamType.Request, request);
        const answer = options.upstream ? await options.upstream(upstreamRequest) : { headers: { ':status': '200' } };
        if (options.resetAfter === 'response-headers') {
          await settle(stream.onResponseHeaders(HeaderMap.from(answer.headers), false), StreamType.Response);
        } else {
          response = await pass(StreamType.Response, answer);
        }
      }
    } catch (err) {
      if (!(err instanceof Replied)) throw err;
      upstreamRequest = undefined;
      responseBytes = stream.localReply!.body.length;
      const { headers, body } = stream.encodeLocalReply();
      response = { headers, body, trailers: undefined };
    }
  } finally {
    stream.finish();
  }
  return { stream, upstreamRequest, response, localReply: stream.localReply };
}
