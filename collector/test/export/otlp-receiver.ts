// A loopback OTLP/HTTP logs receiver for tests: a real HTTP server that takes what an
// OpenTelemetry Collector's otlp receiver takes (POST /v1/logs, application/json or
// application/x-protobuf, gzip or not), decodes it without the encoder's code (protobuf read
// field by field from opentelemetry-proto's numbers), and keeps what it accepted.
//
//   const otlp = new OtlpReceiver(); await otlp.start();  // otlp.url: http://127.0.0.1:<port>
//   otlp.received        every request accepted (200), decoded, in the order they came:
//                        { encoding, headers, request }
//   otlp.records()       their log records flattened, each with its resource and scope
//   otlp.answered        the status given to every request, refused ones too
//   otlp.answer(429, { 'retry-after': '1' }, { times: 1 })   the next request(s) get this
//                        (times: default every one until answer(200))
//   const release = otlp.hold()   slow: answers wait until release() is called;
//                        otlp.pending counts the requests waiting; one whose client gave up
//                        meanwhile is still taken, as by a slow Collector
//   await otlp.down(); await otlp.up()   connections refused, then taken on the same port
//   await otlp.until((o) => o.records().length >= 10)   resolves when true (checked as requests come)
//   await otlp.close()
//
// `request` is canonical OTLP/JSON whichever encoding came: lowerCamelCase names, 64-bit integers
// as decimal strings, ids as lower-case hex, and (as proto3 has it) fields at their default value
// left out, except inside AnyValue, whose one value is always there.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type Json = Record<string, unknown>;
/** `size`: the body's bytes as read, after gzip is undone. */
export interface Received { encoding: 'json' | 'protobuf'; headers: http.IncomingHttpHeaders; request: Json; size: number }
export interface ReceivedRecord { resource: Json; scope: Json; record: Json }

// ---- The messages, from opentelemetry-proto: field number → [JSON name, type, repeated?] ----

type Scalar = 'string' | 'bool' | 'int64' | 'uint32' | 'int32' | 'double' | 'fixed64' | 'fixed32' | 'hex' | 'bytes';
type Field = [name: string, type: Scalar | (() => Message), repeated?: 'repeated'];
interface Message { fields: Record<number, Field>; oneof?: boolean }

const ANY_VALUE: Message = { oneof: true, fields: {
  1: ['stringValue', 'string'], 2: ['boolValue', 'bool'], 3: ['intValue', 'int64'], 4: ['doubleValue', 'double'],
  5: ['arrayValue', () => ARRAY_VALUE], 6: ['kvlistValue', () => KEY_VALUE_LIST], 7: ['bytesValue', 'bytes'],
} };
const KEY_VALUE: Message = { fields: { 1: ['key', 'string'], 2: ['value', () => ANY_VALUE] } };
const ARRAY_VALUE: Message = { fields: { 1: ['values', () => ANY_VALUE, 'repeated'] } };
const KEY_VALUE_LIST: Message = { fields: { 1: ['values', () => KEY_VALUE, 'repeated'] } };
const SCOPE: Message = { fields: { 1: ['name', 'string'], 2: ['version', 'string'], 3: ['attributes', () => KEY_VALUE, 'repeated'], 4: ['droppedAttributesCount', 'uint32'] } };
const RESOURCE: Message = { fields: { 1: ['attributes', () => KEY_VALUE, 'repeated'], 2: ['droppedAttributesCount', 'uint32'] } };
const LOG_RECORD: Message = { fields: {
  1: ['timeUnixNano', 'fixed64'], 11: ['observedTimeUnixNano', 'fixed64'], 2: ['severityNumber', 'int32'], 3: ['severityText', 'string'],
  5: ['body', () => ANY_VALUE], 6: ['attributes', () => KEY_VALUE, 'repeated'], 7: ['droppedAttributesCount', 'uint32'], 8: ['flags', 'fixed32'],
  9: ['traceId', 'hex'], 10: ['spanId', 'hex'], 12: ['eventName', 'string'],
} };
const SCOPE_LOGS: Message = { fields: { 1: ['scope', () => SCOPE], 2: ['logRecords', () => LOG_RECORD, 'repeated'], 3: ['schemaUrl', 'string'] } };
const RESOURCE_LOGS: Message = { fields: { 1: ['resource', () => RESOURCE], 2: ['scopeLogs', () => SCOPE_LOGS, 'repeated'], 3: ['schemaUrl', 'string'] } };
const REQUEST: Message = { fields: { 1: ['resourceLogs', () => RESOURCE_LOGS, 'repeated'] } };

const isDefault = (v: unknown) => v === '' || v === 0 || v === false || v === '0';

/** Proto3's rule: a field at its default value is as good as absent (not so for AnyValue's one value). */
function put(out: Json, message: Message, [name, , repeated]: Field, value: unknown): void {
  if (repeated) out[name] = [...((out[name] as unknown[] | undefined) ?? []), value];
  else if (message.oneof || typeof value === 'object' || !isDefault(value)) out[name] = value;
  else delete out[name];
}

// ---- Protobuf, read by wire type ----

class Wire {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  get done(): boolean { return this.at >= this.b.length; }
  varint(): bigint {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.b[this.at++];
      if (byte === undefined) throw new Error('truncated varint');
      v |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return v;
    }
    throw new Error('varint over 10 bytes');
  }
  take(n: number): Buffer {
    if (n < 0 || this.at + n > this.b.length) throw new Error('truncated field');
    return this.b.subarray(this.at, (this.at += n));
  }
}

function scalar(type: Scalar, wire: Wire, wireType: number): unknown {
  const expect = (t: number) => { if (wireType !== t) throw new Error(`${type} with wire type ${wireType}`); };
  switch (type) {
    case 'string': expect(2); return new TextDecoder('utf-8', { fatal: true }).decode(wire.take(Number(wire.varint())));
    case 'hex': expect(2); return wire.take(Number(wire.varint())).toString('hex');
    case 'bytes': expect(2); return wire.take(Number(wire.varint())).toString('base64');
    case 'bool': expect(0); return wire.varint() !== 0n;
    case 'int64': expect(0); return BigInt.asIntN(64, wire.varint()).toString();
    case 'int32': expect(0); return Number(BigInt.asIntN(32, wire.varint()));
    case 'uint32': expect(0); return Number(BigInt.asUintN(32, wire.varint()));
    case 'double': expect(1); return wire.take(8).readDoubleLE(0);
    case 'fixed64': expect(1); return wire.take(8).readBigUInt64LE(0).toString();
    case 'fixed32': expect(5); return wire.take(4).readUInt32LE(0);
  }
}

function skip(wire: Wire, wireType: number): void {
  if (wireType === 0) wire.varint();
  else if (wireType === 1) wire.take(8);
  else if (wireType === 2) wire.take(Number(wire.varint()));
  else if (wireType === 5) wire.take(4);
  else throw new Error(`wire type ${wireType}`);
}

export function decodeProtobuf(bytes: Buffer, message: Message = REQUEST): Json {
  const out: Json = {};
  const wire = new Wire(bytes);
  while (!wire.done) {
    const tag = Number(wire.varint());
    const field = message.fields[tag >>> 3];
    if (!field) { skip(wire, tag & 7); continue; }
    if (message.oneof) for (const [k] of Object.values(message.fields)) delete out[k];
    const type = field[1];
    if (typeof type === 'function') {
      if ((tag & 7) !== 2) throw new Error(`${field[0]} is not length-delimited`);
      put(out, message, field, decodeProtobuf(wire.take(Number(wire.varint())), type()));
    } else put(out, message, field, scalar(type, wire, tag & 7));
  }
  return out;
}

// ---- OTLP/JSON, read into the same form ----

function jsonScalar(type: Scalar, v: unknown, name: string): unknown {
  const fail = () => { throw new Error(`${name}: ${JSON.stringify(v)} is not a ${type}`); };
  switch (type) {
    case 'string': case 'bytes': return typeof v === 'string' ? v : fail();
    case 'hex': return typeof v === 'string' && /^([0-9a-fA-F]{2})*$/.test(v) ? v.toLowerCase() : fail();
    case 'bool': return typeof v === 'boolean' ? v : fail();
    case 'double': return typeof v === 'number' ? v : fail();
    case 'int32': case 'uint32': case 'fixed32': return typeof v === 'number' && Number.isInteger(v) ? v : fail();
    case 'int64': case 'fixed64':
      if ((typeof v === 'string' && /^-?\d+$/.test(v)) || (typeof v === 'number' && Number.isSafeInteger(v))) return BigInt(v).toString();
      return fail();
  }
}

export function decodeJson(v: unknown, message: Message = REQUEST): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`expected an object, got ${JSON.stringify(v)}`);
  const out: Json = {};
  const byName = new Map(Object.values(message.fields).map((f) => [f[0], f]));
  for (const [name, value] of Object.entries(v)) {
    const field = byName.get(name);
    if (!field || value === null) continue; // OTLP/JSON receivers ignore names they do not know
    const type = field[1];
    const one = (x: unknown) => (typeof type === 'function' ? decodeJson(x, type()) : jsonScalar(type, x, name));
    if (field[2]) {
      if (!Array.isArray(value)) throw new Error(`${name} is not an array`);
      for (const x of value) put(out, message, field, one(x));
    } else put(out, message, field, one(value));
  }
  return out;
}

/** A decoded request's log records, in order, each with its resource and scope. */
export function logRecordsOf(request: Json): ReceivedRecord[] {
  return ((request.resourceLogs ?? []) as Json[]).flatMap((rl) => ((rl.scopeLogs ?? []) as Json[]).flatMap((sl) =>
    ((sl.logRecords ?? []) as Json[]).map((record) => ({ resource: (rl.resource ?? {}) as Json, scope: (sl.scope ?? {}) as Json, record }))));
}

// ---- The server ----

const MAX_BODY = 64 * 1024 * 1024;
const ACCEPT = { status: 200, headers: {} as Record<string, string>, times: Infinity };

export class OtlpReceiver {
  readonly received: Received[] = [];
  readonly answered: number[] = [];
  pending = 0;
  private answers: { status: number; headers: Record<string, string>; times: number }[] = [];
  private held: Promise<void> | undefined;
  private releaseHeld: (() => void) | undefined;
  private waiters: { done: (r: OtlpReceiver) => boolean; resolve: () => void }[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private port = 0;

  get url(): string { return `http://127.0.0.1:${this.port}`; }

  async start(): Promise<this> {
    await this.up();
    return this;
  }

  records(): ReceivedRecord[] {
    return this.received.flatMap(({ request }) => logRecordsOf(request));
  }

  /** Answer the next `times` requests (every one, by default) with this status and headers; a standing answer comes back after a counted one. */
  answer(status: number, headers: Record<string, string> = {}, { times = Infinity }: { times?: number } = {}): void {
    if (times === Infinity) { this.answers = [{ status, headers, times }]; return; }
    const standing = this.answers.findIndex((a) => a.times === Infinity);
    this.answers.splice(standing < 0 ? this.answers.length : standing, 0, { status, headers, times });
  }

  hold(): () => void {
    if (!this.held) this.held = new Promise<void>((resolve) => { this.releaseHeld = resolve; });
    return () => { this.held = undefined; this.releaseHeld?.(); };
  }

  until(done: (r: OtlpReceiver) => boolean): Promise<void> {
    if (done(this)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ done, resolve }));
  }

  async up(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => { this.server.off('error', reject); resolve(); });
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  async close(): Promise<void> {
    this.releaseHeld?.();
    await this.down();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const c of req as AsyncIterable<Buffer>) { size += c.length; if (size <= MAX_BODY) chunks.push(c); }
    } catch {
      return; // the client went away before its body was whole: nothing to take
    }
    if (this.held) {
      this.pending++;
      this.check();
      await this.held;
      this.pending--;
    }
    this.reply(req, res, Buffer.concat(chunks), size);
    this.check();
  }

  /** Resolves the waiters of until() whose condition now holds. */
  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.done(this)) return true;
      w.resolve();
      return false;
    });
  }

  private next(): { status: number; headers: Record<string, string> } {
    const next = this.answers[0] ?? ACCEPT;
    if (--next.times <= 0) this.answers.shift();
    return next;
  }

  private reply(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer, size: number): void {
    const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
    const encoding = type === 'application/json' ? 'json' : type === 'application/x-protobuf' ? 'protobuf' : undefined;
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      this.answered.push(status);
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json', ...headers });
      // The protobuf answers: an empty ExportLogsServiceResponse, or a google.rpc.Status with its message (field 2).
      const message = Buffer.from(body).subarray(0, 127);
      if (encoding === 'protobuf') res.end(body === '{}' ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x12, message.length]), message]));
      else res.end(body === '{}' ? body : JSON.stringify({ message: body }));
    };
    if (req.method !== 'POST' || req.url !== '/v1/logs') return send(404, `no ${req.method} ${req.url}`);
    if (!encoding) return send(415, `content-type ${type || '(none)'} is neither application/json nor application/x-protobuf`);
    if (size > MAX_BODY) return send(413, 'body too large');
    const told = this.next();
    if (told.status < 200 || told.status > 299) return send(told.status, `told to answer ${told.status}`, told.headers);
    let request: Json;
    let body: Buffer;
    try {
      body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      request = encoding === 'json' ? decodeJson(JSON.parse(body.toString('utf8'))) : decodeProtobuf(body);
    } catch (e) {
      return send(400, `undecodable ${encoding}: ${(e as Error).message}`);
    }
    this.received.push({ encoding, headers: req.headers, request, size: body.length });
    send(told.status, '{}', told.headers);
  }
}
