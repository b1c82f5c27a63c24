// A Loki push receiver on loopback, for tests: POST /loki/api/v1/push in both of Loki's encodings,
// decoded here without the encoder's code (JSON by hand; protobuf by the field numbers of Loki's
// push.proto, after snappy-block.ts), refused with 400 where Loki would refuse the request.
//
//   const loki = new LokiReceiver(); await loki.start();  // loki.url: http://127.0.0.1:<port>
//   loki.received        every push accepted (204), decoded, in the order they came
//   loki.entries()       their entries flattened: push, then stream, then entry order
//   loki.answered        the status given to every request, refused ones too
//   loki.answer(429, { 'retry-after': '1' }, { times: 1 })   the next request(s) get this
//                        (times: default every one until answer(204))
//   const release = loki.hold()   slow: answers wait until release() is called;
//                        loki.pending counts the requests waiting; one whose client gave up
//                        meanwhile is still taken, as by a slow Loki
//   await loki.down(); await loki.up()   connections refused, then taken on the same port
//   await loki.until((l) => l.entries().length >= 10)   resolves when true (checked as requests come)
//   await loki.close()
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import protobuf from 'protobufjs';
import { snappyUncompress } from './snappy-block.js';

export interface ReceivedEntry {
  /** Nanoseconds since the epoch, decimal. */
  ns: string;
  line: string;
  /** Structured metadata; {} when none. */
  metadata: Record<string, string>;
}

export interface ReceivedStream {
  labels: Record<string, string>;
  entries: ReceivedEntry[];
}

export interface ReceivedPush {
  encoding: 'json' | 'protobuf';
  headers: http.IncomingHttpHeaders;
  streams: ReceivedStream[];
}

type Answer = { status: number; headers: Record<string, string>; times: number };

export class LokiReceiver {
  readonly received: ReceivedPush[] = [];
  readonly answered: number[] = [];
  pending = 0;
  url = '';
  private server = http.createServer((req, res) => void this.handle(req, res));
  private sockets = new Set<Socket>();
  private port = 0;
  private answers: Answer[] = [];
  private held: Promise<void> | undefined;
  private waiters: (() => void)[] = [];

  constructor() {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  /** Answer the next `times` requests (every one, by default) with this status and headers. */
  answer(status: number, headers: Record<string, string> = {}, { times = Infinity }: { times?: number } = {}): void {
    if (status === 204) this.answers = [];
    else this.answers.push({ status, headers, times });
  }

  /** Hold every answer until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.held = held;
    return () => {
      if (this.held === held) this.held = undefined;
      release();
    };
  }

  entries(): (ReceivedEntry & { labels: Record<string, string> })[] {
    return this.received.flatMap((p) => p.streams.flatMap((s) => s.entries.map((e) => ({ labels: s.labels, ...e }))));
  }

  /** Resolves once `done(this)` holds, checked now, as each request is held and after each answer. */
  async until(done: (r: this) => boolean): Promise<void> {
    while (!done(this)) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Stop listening and drop open connections: a Loki that is down. */
  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Listen again on the same port. */
  async up(): Promise<void> {
    await this.start();
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.down();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      return; // the client went away before its body was whole: no request to answer
    }
    const held = this.held;
    if (held) {
      this.pending++;
      this.wake();
      await held;
      this.pending--;
    }
    // A client that gave up while held is answered all the same: a slow Loki stores what it got.
    const [status, headers, body] = this.respond(req, Buffer.concat(chunks));
    this.answered.push(status);
    if (!res.destroyed) {
      res.writeHead(status, { ...headers, ...(body ? { 'content-type': 'text/plain' } : {}) });
      res.end(body);
    }
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private respond(req: http.IncomingMessage, body: Buffer): [number, Record<string, string>, string?] {
    if (req.url !== '/loki/api/v1/push') return [404, {}, 'not found'];
    if (req.method !== 'POST') return [405, {}, 'method not allowed'];
    const next = this.answers[0];
    if (next) {
      if (--next.times <= 0) this.answers.shift();
      return [next.status, next.headers, `told to answer ${next.status}`];
    }
    const type = req.headers['content-type'];
    if (req.headers['content-encoding'] !== undefined) return [415, {}, `content-encoding ${req.headers['content-encoding']}: not sent by Loki clients`];
    if (type !== 'application/json' && type !== 'application/x-protobuf') return [415, {}, `content-type ${type}`];
    try {
      const encoding = type === 'application/json' ? 'json' : 'protobuf';
      const streams = encoding === 'json' ? fromJson(body) : fromProtobuf(body);
      for (const s of streams) checkLabels(s.labels);
      this.received.push({ encoding, headers: req.headers, streams });
      return [204, {}];
    } catch (err) {
      return [400, {}, (err as Error).message];
    }
  }
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function checkLabels(labels: Record<string, string>): void {
  const names = Object.keys(labels);
  if (names.length === 0) throw new Error('error at least one label pair is required per stream');
  for (const n of names) {
    if (!LABEL_NAME.test(n) || n.startsWith('__')) throw new Error(`invalid label name ${n}`);
    if (labels[n] === '') throw new Error(`empty value for label ${n}`);
  }
}

function fail(what: string): never {
  throw new Error(`loki push: ${what}`);
}

const isStrings = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

function fromJson(body: Buffer): ReceivedStream[] {
  let push: unknown;
  try {
    push = JSON.parse(body.toString('utf8'));
  } catch (err) {
    fail(`not JSON: ${(err as Error).message}`);
  }
  const streams = (push as { streams?: unknown }).streams;
  if (!Array.isArray(streams)) fail('"streams" is not a list');
  return streams.map((s: { stream?: unknown; values?: unknown }) => {
    if (!isStrings(s.stream)) fail('a stream\'s "stream" is not an object of strings');
    if (!Array.isArray(s.values)) fail('a stream\'s "values" is not a list');
    return {
      labels: s.stream,
      entries: s.values.map((v: unknown) => {
        if (!Array.isArray(v) || v.length < 2 || v.length > 3) fail('a value is not [time, line] or [time, line, metadata]');
        const [ns, line, metadata = {}] = v as unknown[];
        if (typeof ns !== 'string' || !/^\d+$/.test(ns)) fail(`a time is not nanoseconds as a decimal string: ${JSON.stringify(ns)}`);
        if (typeof line !== 'string') fail('a line is not a string');
        if (!isStrings(metadata)) fail('structured metadata is not an object of strings');
        return { ns, line, metadata };
      }),
    };
  });
}

// Field numbers of Loki's pkg/push/push.proto and google/protobuf/timestamp.proto.
function fromProtobuf(body: Buffer): ReceivedStream[] {
  const streams: ReceivedStream[] = [];
  each(protobuf.Reader.create(snappyUncompress(body)), undefined, (r, field) => {
    if (field !== 1) return false; // PushRequest.streams
    const stream: ReceivedStream = { labels: {}, entries: [] };
    each(r, r.uint32(), (r, field) => {
      if (field === 1) stream.labels = parseLabels(text(r)); // StreamAdapter.labels
      else if (field === 2) stream.entries.push(entry(r)); // StreamAdapter.entries
      else return false;
      return true;
    });
    streams.push(stream);
    return true;
  });
  return streams;
}

function entry(r: protobuf.Reader): ReceivedEntry {
  const e: ReceivedEntry = { ns: '0', line: '', metadata: {} };
  each(r, r.uint32(), (r, field) => {
    if (field === 1) { // EntryAdapter.timestamp: seconds = 1, nanos = 2
      let seconds = 0n;
      let nanos = 0n;
      each(r, r.uint32(), (r, f) => {
        if (f === 1) seconds = BigInt(r.int64().toString());
        else if (f === 2) nanos = BigInt(r.int32());
        else return false;
        return true;
      });
      e.ns = `${seconds * 1_000_000_000n + nanos}`;
    } else if (field === 2) e.line = text(r); // EntryAdapter.line
    else if (field === 3) { // EntryAdapter.structuredMetadata: LabelPairAdapter name = 1, value = 2
      let name = '';
      let value = '';
      each(r, r.uint32(), (r, f) => {
        if (f === 1) name = text(r);
        else if (f === 2) value = text(r);
        else return false;
        return true;
      });
      e.metadata[name] = value;
    } else return false;
    return true;
  });
  return e;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A string field; Loki's strings are UTF-8, and a lone surrogate written as UTF-8 is not. */
function text(r: protobuf.Reader): string {
  try {
    return UTF8.decode(r.bytes());
  } catch {
    fail('a string is not UTF-8');
  }
}

/** Reads fields up to `length` bytes on (the rest when undefined); `read` returns false for a field it skips. */
function each(r: protobuf.Reader, length: number | undefined, read: (r: protobuf.Reader, field: number) => boolean): void {
  const end = length === undefined ? r.len : r.pos + length;
  if (end > r.len) fail('a message runs past its end');
  while (r.pos < end) {
    const tag = r.uint32();
    if (!read(r, tag >>> 3)) r.skipType(tag & 7);
  }
  if (r.pos !== end) fail('a field runs past its message');
}

/** `{a="x", b="y"}` read as Loki reads it: values are Go string literals. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let at = 0;
  const skip = () => { while (text[at] === ' ') at++; };
  const expect = (c: string) => { if (text[at++] !== c) fail(`labels ${JSON.stringify(text)}: expected ${c} at ${at - 1}`); };
  expect('{');
  skip();
  while (text[at] !== '}') {
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(at))?.[0] ?? fail(`labels ${JSON.stringify(text)}: no label name at ${at}`);
    at += name.length;
    if (name in labels) fail(`labels ${JSON.stringify(text)}: duplicate label name ${name}`);
    expect('=');
    expect('"');
    let value = '';
    for (;;) {
      const c = text[at++] ?? fail(`labels ${JSON.stringify(text)}: a value is not closed`);
      if (c === '"') break;
      if (c === '\n') fail(`labels ${JSON.stringify(text)}: a line break inside a value`);
      if (c !== '\\') { value += c; continue; }
      const e = text[at++];
      const simple: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', a: '\x07', v: '\v' };
      if (e !== undefined && e in simple) value += simple[e];
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at, at + 4))) {
        const code = parseInt(text.slice(at, at + 4), 16);
        if (code >= 0xd800 && code <= 0xdfff) fail(`labels ${JSON.stringify(text)}: \\u${text.slice(at, at + 4)} is a surrogate, not a character`);
        value += String.fromCharCode(code);
        at += 4;
      } else fail(`labels ${JSON.stringify(text)}: unknown escape \\${e}`);
    }
    labels[name] = value;
    skip();
    if (text[at] === ',') at++;
    skip();
  }
  if (at !== text.length - 1) fail(`labels ${JSON.stringify(text)}: text after }`);
  return labels;
}
