// An HTTP stream context: one per request, driven through the callbacks in Envoy's order:
// request headers, body chunks, trailers; response headers, body chunks, trailers; then
// log, done and delete. Each step returns what the embedder must do next:
//   'continue'  pass the headers/data on (for bodies: stream.requestBody.take());
//   'pause'     hold it until the module calls proxy_continue_stream (events.resume);
//   'reply'     the module answered locally (stream.localReply), or the VM failed closed.
import { Action, BufferType, MapType, Status, StreamType } from './abi.js';
import { BodyBuffer } from './buffer.js';
import { Context, type LocalReply } from './context.js';
import { HeaderMap } from './headers.js';
import { bytesToText } from './pairs.js';
import { lookupProperty, own, type PropertyMap, type PropertyValue, walkProperty } from './properties.js';
import type { RootContext } from './root-context.js';

export type FilterStatus = 'continue' | 'pause' | 'reply';

export interface StreamEvents {
  /** The module called proxy_continue_stream for a paused direction. */
  resume?(type: StreamType): void;
  /** The module sent a local response outside a stream callback (e.g. from an http call response). */
  reply?(reply: LocalReply): void;
  /** The module called proxy_close_stream: reset the stream. */
  close?(type: StreamType): void;
}

const NO_EVENTS: StreamEvents = Object.freeze({});

export class HttpStream extends Context {
  requestHeaders: HeaderMap | undefined;
  requestTrailers: HeaderMap | undefined;
  responseHeaders: HeaderMap | undefined;
  responseTrailers: HeaderMap | undefined;
  localReply: LocalReply | undefined;
  events: StreamEvents = NO_EVENTS;
  /** Set by proxy_close_stream. */
  reset = false;
  finished = false;
  // What follows is made on first use: most requests never need it, and a stream is made per request.
  private requestBuffer: BodyBuffer | undefined;
  private responseBuffer: BodyBuffer | undefined;
  private requestPaused = false;
  private responsePaused = false;
  private inCallback = false;
  private replied = false;
  private layers: (PropertyMap | undefined)[] | undefined;

  constructor(readonly root: RootContext, id: number, private readonly given: PropertyMap | undefined) {
    super(root.vm, id);
    this.vm.invoke(this, this.vm.callbacks.proxy_on_context_create, id, root.id);
  }

  get requestBody(): BodyBuffer {
    return (this.requestBuffer ??= new BodyBuffer());
  }

  get responseBody(): BodyBuffer {
    return (this.responseBuffer ??= new BodyBuffer());
  }

  onRequestHeaders(headers: HeaderMap, endOfStream: boolean): FilterStatus {
    this.requestHeaders = headers;
    return this.step(StreamType.Request, this.vm.callbacks.proxy_on_request_headers, headers.size, endOfStream ? 1 : 0);
  }

  /** The chunk joins what is buffered; on 'continue' forward stream.requestBody.take(). */
  onRequestBody(chunk: Uint8Array, endOfStream: boolean): FilterStatus {
    this.requestBody.append(chunk);
    return this.step(StreamType.Request, this.vm.callbacks.proxy_on_request_body, this.requestBody.size, endOfStream ? 1 : 0);
  }

  onRequestTrailers(trailers: HeaderMap): FilterStatus {
    this.requestTrailers = trailers;
    return this.step(StreamType.Request, this.vm.callbacks.proxy_on_request_trailers, trailers.size);
  }

  onResponseHeaders(headers: HeaderMap, endOfStream: boolean): FilterStatus {
    this.responseHeaders = headers;
    return this.step(StreamType.Response, this.vm.callbacks.proxy_on_response_headers, headers.size, endOfStream ? 1 : 0);
  }

  onResponseBody(chunk: Uint8Array, endOfStream: boolean): FilterStatus {
    this.responseBody.append(chunk);
    return this.step(StreamType.Response, this.vm.callbacks.proxy_on_response_body, this.responseBody.size, endOfStream ? 1 : 0);
  }

  onResponseTrailers(trailers: HeaderMap): FilterStatus {
    this.responseTrailers = trailers;
    return this.step(StreamType.Response, this.vm.callbacks.proxy_on_response_trailers, trailers.size);
  }

  /** The end of the stream, in Envoy's order: log (the access-log step), done, delete. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const { vm } = this;
    vm.invoke(this, vm.callbacks.proxy_on_log, this.id);
    vm.invoke(this, vm.callbacks.proxy_on_done, this.id);
    vm.invoke(this, vm.callbacks.proxy_on_delete, this.id);
    vm.contexts.remove(this);
  }

  /**
   * Wait out what a callback said: 'continue' once the module continues a paused `type`, 'reply'
   * when it answers locally, 'closed' when it resets the stream. With timeoutMs, a pause that
   * lasts longer rejects.
   */
  settle(status: FilterStatus, type: StreamType, timeoutMs?: number): Promise<FilterStatus | 'closed'> {
    if (status !== 'pause') return Promise.resolve(status);
    return new Promise((resolve, reject) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        this.events = NO_EVENTS;
        reject(new Error(`the module paused the ${type === StreamType.Request ? 'request' : 'response'} and did not continue it within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (outcome: FilterStatus | 'closed') => {
        if (timer) clearTimeout(timer);
        this.events = NO_EVENTS;
        resolve(outcome);
      };
      this.events = {
        resume: (t) => t === type && done('continue'),
        reply: () => done('reply'),
        close: () => done('closed'),
      };
    });
  }

  /**
   * Envoy sends a local reply through the encoder filters, so the module sees its own answer as
   * the response: run it through the response callbacks; what the client gets comes back.
   */
  encodeLocalReply(): { headers: HeaderMap; body: Buffer } {
    const reply = this.localReply!;
    const pairs: [string, string][] = [[':status', String(reply.status)], ...reply.headers];
    if (reply.body.length) pairs.push(['content-length', String(reply.body.length)]);
    const headers = HeaderMap.fromPairs(pairs);
    this.onResponseHeaders(headers, reply.body.length === 0);
    if (reply.body.length) this.onResponseBody(reply.body, true);
    return { headers, body: this.responseBody.take() };
  }

  isPaused(type: StreamType): boolean {
    return type === StreamType.Request ? this.requestPaused : type === StreamType.Response && this.responsePaused;
  }

  private setPaused(type: StreamType, paused: boolean): void {
    if (type === StreamType.Request) this.requestPaused = paused;
    else this.responsePaused = paused;
  }

  private step(type: StreamType, callback: ((...args: number[]) => number) | undefined, a: number, b = 0): FilterStatus {
    this.replied = false;
    this.inCallback = true;
    const result = callback ? this.vm.invoke(this, callback, this.id, a, b) : Action.Continue;
    this.inCallback = false;
    if (result === null) return this.failStream();
    // Envoy: after proxy_send_local_response the callback stops iteration whatever it returns.
    if (this.replied) return 'reply';
    if (result === Action.Continue) return 'continue';
    this.setPaused(type, true);
    return 'pause';
  }

  /** A failed VM: fail open lets the stream through, fail closed answers 503 as Envoy does. */
  private failStream(): FilterStatus {
    if (this.root.plugin.failOpen) return 'continue';
    this.localReply = { status: 503, details: 'wasm_fail_stream', body: Buffer.alloc(0), headers: [], grpcStatus: 14 };
    return 'reply';
  }

  override buffer(type: BufferType): BodyBuffer | undefined {
    if (type === BufferType.HttpRequestBody) return this.requestBody;
    if (type === BufferType.HttpResponseBody) return this.responseBody;
    return super.buffer(type);
  }

  override headerMap(type: MapType): HeaderMap | undefined {
    return this.mutableHeaderMap(type) ?? super.headerMap(type);
  }

  override mutableHeaderMap(type: MapType): HeaderMap | undefined {
    switch (type) {
      case MapType.RequestHeaders:
        return this.requestHeaders;
      case MapType.RequestTrailers:
        return this.requestTrailers;
      case MapType.ResponseHeaders:
        return this.responseHeaders;
      case MapType.ResponseTrailers:
        return this.responseTrailers;
      default:
        return undefined;
    }
  }

  propertyLayers(): readonly (PropertyMap | undefined)[] {
    // Made once per stream; `stored` is set in place by setProperty.
    return (this.layers ??= [this.stored, derivedProperties(this, this.given ?? {}), this.given, this.root.pluginPropertyMap]);
  }

  /**
   * As the layers answer, without making them for the paths modules ask on every request: a
   * request.* or response.* field from what the embedder gave, else derived from the headers;
   * any other attribute from what the embedder gave, else the plugin's.
   */
  override property(segments: readonly string[]): PropertyValue | undefined {
    const top = segments[0];
    if (top === undefined || top === '' || (this.stored !== undefined && Object.hasOwn(this.stored, top))) return lookupProperty(this.propertyLayers(), segments);
    const given = this.given !== undefined ? own(this.given, top) : undefined;
    if (top === 'request' || top === 'response') {
      const field = segments[1];
      if (field === undefined) return lookupProperty(this.propertyLayers(), segments); // the whole map, merged
      const mine = given !== undefined && given !== null && typeof given === 'object' ? own(given as PropertyMap, field) : undefined;
      if (mine !== undefined) return walkProperty(mine, segments, 2);
      const derive = own(top === 'request' ? REQUEST : RESPONSE, field);
      return derive === undefined ? undefined : walkProperty(derive(this), segments, 2);
    }
    return walkProperty(given !== undefined ? given : own(this.root.pluginPropertyMap, top), segments, 1);
  }

  override setProperty(path: string, value: Uint8Array): Status {
    if (this.stored === undefined) {
      this.stored = {};
      this.layers = undefined;
    }
    this.stored[path.split('\0')[0]!] = value.slice();
    return Status.Ok;
  }

  override continueStream(type: StreamType): Status {
    if (type !== StreamType.Request && type !== StreamType.Response) return Status.BadArgument;
    if (this.isPaused(type)) {
      this.setPaused(type, false);
      // After the current call into the VM returns, as cpp-host defers it.
      queueMicrotask(() => this.events.resume?.(type));
    }
    return Status.Ok;
  }

  override closeStream(type: StreamType): Status {
    if (type !== StreamType.Request && type !== StreamType.Response) return Status.BadArgument;
    this.reset = true;
    queueMicrotask(() => this.events.close?.(type));
    return Status.Ok;
  }

  override sendLocalResponse(reply: LocalReply): Status {
    this.localReply = reply;
    this.replied = true;
    if (!this.inCallback) queueMicrotask(() => this.events.reply?.(reply));
    return Status.Ok;
  }
}

/**
 * The request.* and response.* attributes Envoy derives from the headers (path, method, host,
 * headers, …), under what the embedder supplies (time, duration, sizes, protocol, …), each
 * computed when a module asks for it.
 */
type Derive = (stream: HttpStream) => PropertyValue | undefined;

const text = (name: string): Derive => (stream) => {
  const v = stream.requestHeaders?.get(name);
  return v === undefined ? undefined : bytesToText(v);
};
const headersOf = (map: (stream: HttpStream) => HeaderMap | undefined): Derive => (stream) => {
  const m = map(stream);
  return m ? (m.toObject() as PropertyMap) : undefined;
};
const path = text(':path');

const REQUEST: Record<string, Derive> = {
  path,
  url_path: (s) => (path(s) as string | undefined)?.split('?')[0],
  query: (s) => {
    const p = path(s) as string | undefined;
    const i = p?.indexOf('?') ?? -1;
    return p !== undefined && i >= 0 ? p.slice(i + 1) : '';
  },
  host: text(':authority'),
  scheme: text(':scheme'),
  method: text(':method'),
  headers: headersOf((s) => s.requestHeaders),
  referer: text('referer'),
  useragent: text('user-agent'),
  id: text('x-request-id'),
};

const RESPONSE: Record<string, Derive> = {
  code: (stream) => {
    const s = stream.responseHeaders?.get(':status');
    return s === undefined ? undefined : Number(s);
  },
  headers: headersOf((s) => s.responseHeaders),
  trailers: headersOf((s) => s.responseTrailers),
};

/** The derived attributes as a layer: request and response, each a map made when first asked for whole. */
function derivedProperties(stream: HttpStream, given: PropertyMap): PropertyMap {
  const merged = (derived: Record<string, Derive>, over: PropertyMap | undefined): PropertyMap => {
    const out: PropertyMap = {};
    for (const [k, derive] of Object.entries(derived)) out[k] = () => derive(stream);
    return { ...out, ...over };
  };
  let request: PropertyMap | undefined;
  let response: PropertyMap | undefined;
  return {
    request: () => (request ??= merged(REQUEST, given.request as PropertyMap | undefined)),
    response: () => (response ??= merged(RESPONSE, given.response as PropertyMap | undefined)),
  };
}
