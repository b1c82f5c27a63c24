// Every host call, driven through the probe guest, with byte-for-byte checks of what the module
// received and the status codes Envoy answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePairs, encodePairs, runExchange, Status } from '../src/index.js';
import { GET, hex, startProbe } from './probe.js';

test('header pairs reach the module byte for byte, keys lower-cased, in order', async () => {
  const p = await startProbe('request_headers: pairs 0');
  await runExchange(p.plugin, { headers: [...Object.entries(GET), ['X-Custom', 'a'], ['x-custom', 'b']] as [string, string][] });
  const expected = encodePairs([...Object.entries(GET), ['x-custom', 'a'], ['x-custom', 'b']] as [string, string][]);
  assert.deepEqual(p.answer('pairs 0'), { status: Status.Ok, result: expected.toString('hex') });
});

test('get answers the first value of a repeated header, any case of key, NOT_FOUND when absent', async () => {
  const p = await startProbe('request_headers: get 0 x-rep; get 0 X-REP; get 0 absent');
  await runExchange(p.plugin, { headers: [...Object.entries(GET), ['x-rep', 'one'], ['x-rep', 'two']] as [string, string][] });
  assert.deepEqual(p.answer('get 0 x-rep'), { status: Status.Ok, result: hex('one') });
  assert.deepEqual(p.answer('get 0 X-REP'), { status: Status.Ok, result: hex('one') });
  assert.equal(p.answer('get 0 absent').status, Status.NotFound);
});

test('add, replace and remove change what the upstream receives', async () => {
  const p = await startProbe('request_headers: add 0 X-Added 1; add 0 x-added 2; replace 0 x-rep only; remove 0 x-gone; replace 0 x-new fresh');
  const r = await runExchange(p.plugin, { headers: { ...GET, 'x-rep': ['a', 'b'], 'x-gone': 'bye' } });
  const up = r.upstreamRequest!.headers;
  assert.deepEqual(up.all('x-added'), ['1', '2']);
  assert.deepEqual(up.all('x-rep'), ['only']);
  assert.equal(up.get('x-gone'), undefined);
  assert.equal(up.get('x-new'), 'fresh');
  for (const c of ['add 0 X-Added 1', 'replace 0 x-rep only', 'remove 0 x-gone']) assert.equal(p.answer(c).status, Status.Ok);
});

test('set pairs replaces the whole map with what the module encoded', async () => {
  const p = await startProbe('request_headers: setpairs 0 :method=POST,:path=/new,:authority=h,X-Bin=%01%ff');
  const r = await runExchange(p.plugin, { headers: { ...GET, 'x-old': '1' } });
  assert.deepEqual(r.upstreamRequest!.headers.pairs(), [[':method', 'POST'], [':path', '/new'], [':authority', 'h'], ['x-bin', '\x01\xff']]);
});

test('a malformed map from the module is read as empty, with a warning, as cpp-host does', async () => {
  const p = await startProbe('request_headers: setpairs-raw 0 %05%00%00%00%ff');
  const r = await runExchange(p.plugin, { headers: GET });
  assert.equal(r.upstreamRequest!.headers.size, 0);
  assert.ok(p.logs.some((e) => e.source === 'host' && e.level === 'warning' && /malformed or oversized map/.test(e.message)));
});

test('header map size is the byte size Envoy reports', async () => {
  const p = await startProbe('request_headers: size 0');
  await runExchange(p.plugin, { headers: { ':path': '/ab', 'k': 'vv' } });
  assert.deepEqual(p.answer('size 0'), { status: Status.Ok, result: String(':path'.length + 3 + 1 + 2) });
});

test('bad map types, absent maps and root contexts answer as Envoy does', async () => {
  const p = await startProbe([
    'configure: get 0 x; add 0 x y; pairs 0',
    'request_headers: get 8 x; pairs 8; get 2 :status; pairs 2; add 3 k v; size 3; get 6 :status',
  ].join('\n'));
  await runExchange(p.plugin, { headers: GET });
  assert.equal(p.answer('get 0 x').status, Status.BadArgument, 'no request headers on a root context');
  assert.equal(p.answer('add 0 x y').status, Status.BadArgument);
  assert.deepEqual(p.answer('pairs 0', 0), { status: Status.Ok, result: '' }, 'pairs of an absent map are empty');
  assert.equal(p.answer('get 8 x').status, Status.BadArgument, 'map type out of range');
  assert.equal(p.answer('pairs 8').status, Status.BadArgument);
  assert.equal(p.answer('get 2 :status').status, Status.BadArgument, 'no response headers yet');
  assert.deepEqual(p.answer('pairs 2'), { status: Status.Ok, result: '' });
  assert.equal(p.answer('add 3 k v').status, Status.BadArgument, 'no response trailers');
  assert.equal(p.answer('size 3').status, Status.BadArgument);
  assert.equal(p.answer('get 6 :status').status, Status.BadArgument, 'http call response headers exist only in its callback');
});

test('a pointer outside guest memory answers INVALID_MEMORY_ACCESS, without a trap', async () => {
  const p = await startProbe('request_headers: get-oob 0');
  const r = await runExchange(p.plugin, { headers: GET });
  assert.equal(p.answer('get-oob 0').status, Status.InvalidMemoryAccess);
  assert.equal(p.plugin.failure, undefined);
  assert.ok(r.upstreamRequest);
});

test('request and response bodies: status, ranges past the end, and Envoy\'s edit rules', async () => {
  const p = await startProbe([
    'request_body: bufstatus 0; buf 0 0 100; buf 0 2 3; buf 0 100 5; buf 0 4294967295 2; setbuf 0 2 1 X; setbuf 0 0 0 pre-; setbuf 0 999 0 -post',
    'response_body: setbuf 1 0 9999 replaced; buf 1 0 100; bufstatus 6; setbuf 6 0 0 x',
  ].join('\n'), { vmConfiguration: '' });
  const r = await runExchange(p.plugin, { headers: { ...GET, ':method': 'POST' }, body: 'hello' }, {
    upstream: () => ({ headers: { ':status': '200' }, body: 'upstream body' }),
  });
  assert.deepEqual(p.answer('bufstatus 0'), { status: Status.Ok, result: '5 0' });
  assert.deepEqual(p.answer('buf 0 0 100'), { status: Status.Ok, result: hex('hello') });
  assert.deepEqual(p.answer('buf 0 2 3'), { status: Status.Ok, result: hex('llo') });
  assert.deepEqual(p.answer('buf 0 100 5'), { status: Status.Ok, result: '' }, 'past the end: nothing, and OK');
  assert.equal(p.answer('buf 0 4294967295 2').status, Status.BadArgument, 'start + length overflows');
  assert.equal(p.answer('setbuf 0 2 1 X').status, Status.BadArgument, 'no edits in the middle');
  assert.equal(r.upstreamRequest!.body.toString(), 'pre-hello-post');
  assert.equal(r.response!.body.toString(), 'replaced');
  assert.equal(p.answer('bufstatus 6').result, '0 0', 'vm configuration is readable (empty here)');
  assert.equal(p.answer('setbuf 6 0 0 x').status, Status.BadArgument, 'configuration is read-only');
});

test('Pause buffers body chunks (the module sees the size so far) until it continues', async () => {
  const p = await startProbe([
    'configure: tick 15',
    'tick: effective 2; continue 0',
    'request_body: bufstatus 0; pause',
  ].join('\n'));
  const r = await runExchange(p.plugin, { headers: { ...GET, ':method': 'POST' }, body: ['ab', 'cd', 'ef'] });
  const sizes = p.lines().filter((l) => l.startsWith('cb request_body')).map((l) => l.split(' ').slice(3).join(' '));
  assert.deepEqual(sizes, ['2 0', '4 0', '6 1'], 'body_size grows with the buffer; end_of_stream on the last');
  assert.equal(r.upstreamRequest!.body.toString(), 'abcdef');
  await p.plugin.close();
});

test('properties: Envoy\'s encodings for strings, integers, timestamps, durations, bools, maps, lists', async () => {
  const fixed = 1_700_000_000_123_456_789n;
  const p = await startProbe([
    'request_headers: prop request%00path; prop request%00url_path; prop request%00method; prop request%00time; prop plugin_name; prop plugin_root_id; prop plugin_vm_id; prop node%00metadata%00NAMESPACE; prop node%00list%001; prop source%00address; prop connection%00mtls; prop upstream%00weight; prop upstream%00big; prop upstream%00neg; prop upstream%00id; prop source%00label; prop nope; prop request%00nope; prop request%00headers%00x-a; setprop my_key hello',
    'response_headers: prop response%00code; prop request%00duration',
    'log: prop my_key; prop request%00headers',
    'configure: prop request%00path; setprop k v',
  ].join('\n'), {
    name: 'probe-plugin', rootId: 'root-1', vmId: 'vm-1',
    properties: { node: { metadata: { NAMESPACE: 'payments' }, list: ['a', 'b'] } },
    host: { now: () => fixed },
  });
  await runExchange(p.plugin, { headers: { ...GET, ':path': '/a/b?c=1', 'x-a': 'v' } }, {
    properties: { source: { address: '10.0.0.1:5555', label: 'café ☕' }, connection: { mtls: true }, upstream: { weight: 2.5, big: 2 ** 40 + 3, neg: -3, id: 2n ** 64n - 1n } },
    upstream: () => ({ headers: { ':status': '201' } }),
  });
  const i64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64LE(n); return b.toString('hex'); };
  const f64 = (n: number) => { const b = Buffer.alloc(8); b.writeDoubleLE(n); return b.toString('hex'); };
  assert.equal(p.answer('prop request%00path').result, hex('/a/b?c=1'));
  assert.equal(p.answer('prop request%00url_path').result, hex('/a/b'));
  assert.equal(p.answer('prop request%00method').result, hex('GET'));
  assert.equal(p.answer('prop request%00time').result, i64(fixed), 'timestamps are int64 ns');
  assert.equal(p.answer('prop plugin_name').result, hex('probe-plugin'));
  assert.equal(p.answer('prop plugin_root_id').result, hex('root-1'));
  assert.equal(p.answer('prop plugin_vm_id').result, hex('vm-1'));
  assert.equal(p.answer('prop node%00metadata%00NAMESPACE').result, hex('payments'));
  assert.equal(p.answer('prop node%00list%001').result, hex('b'), 'lists are indexed by number');
  assert.equal(p.answer('prop source%00address').result, hex('10.0.0.1:5555'));
  assert.equal(p.answer('prop connection%00mtls').result, '01', 'bools are one byte');
  assert.equal(p.answer('prop upstream%00weight').result, f64(2.5), 'doubles are 8 bytes');
  assert.equal(p.answer('prop upstream%00big').result, i64(2n ** 40n + 3n), 'integers past 32 bits keep their high word');
  assert.equal(p.answer('prop upstream%00neg').result, i64(-3n), 'negative integers in two\'s complement');
  assert.equal(p.answer('prop upstream%00id').result, 'ff'.repeat(8), 'a uint64 BigInt keeps all 64 bits');
  assert.equal(p.answer('prop source%00label').result, hex('café ☕'), 'text that is not ASCII goes as UTF-8');
  assert.equal(p.answer('prop nope').status, Status.NotFound);
  assert.equal(p.answer('prop request%00nope').status, Status.NotFound);
  assert.equal(p.answer('prop request%00headers%00x-a').result, hex('v'));
  assert.equal(p.answer('prop response%00code').result, i64(201n), 'response.code is int64');
  const duration = Buffer.from(p.answer('prop request%00duration').result, 'hex');
  assert.equal(duration.length, 8);
  assert.ok(duration.readBigInt64LE() > 0n, 'durations are int64 ns');
  assert.equal(p.answer('setprop my_key hello').status, Status.Ok);
  assert.equal(p.answer('prop my_key').result, hex('hello'), 'set_property is readable back in the same stream');
  const headers = Buffer.from(p.answer('prop request%00headers').result, 'hex');
  assert.equal(headers.readUInt32LE(0), 5, 'maps are encoded as pairs');
  assert.equal(p.answer('prop request%00path', 0).status, Status.NotFound, 'no request on a root context');
  assert.equal(p.answer('setprop k v').status, Status.NotFound, 'no filter state on a root context');
});

test('properties: what the embedder gives wins over what the headers give; other attributes fall back to the plugin\'s', async () => {
  const p = await startProbe('request_headers: prop request%00path; prop request%00method; prop response%00code; prop node%00id; prop cluster_name; prop request', {
    properties: { node: { id: 'sidecar~1' }, cluster_name: 'from-plugin' },
  });
  await runExchange(p.plugin, { headers: { ...GET, ':path': '/from/header' } }, {
    properties: { request: { path: '/given' }, response: { code: 299 }, cluster_name: 'outbound|80||x' },
    upstream: () => ({ headers: { ':status': '200' } }),
  });
  assert.equal(p.answer('prop request%00path').result, hex('/given'));
  assert.equal(p.answer('prop request%00method').result, hex('GET'), 'fields not given are still derived');
  assert.equal(p.answer('prop node%00id').result, hex('sidecar~1'));
  assert.equal(p.answer('prop cluster_name').result, hex('outbound|80||x'));
  const whole = decodePairs(Buffer.from(p.answer('prop request').result, 'hex'))!;
  assert.deepEqual(Object.fromEntries(whole.filter(([k]) => k === 'path' || k === 'method')), { path: '/given', method: 'GET' }, 'the whole map merges both');
});

test('properties: paths asked for from the same memory are told apart by every byte, the last ones too', async () => {
  const p = await startProbe('request_headers: propat node%00metadata%00KEY_A; propat node%00metadata%00KEY_B; propat node%00metadata%00KEY_A; propat request%00path; propat request%00host; propat cluster_name; propat route_name', {
    properties: { node: { metadata: { KEY_A: 'a', KEY_B: 'b' } } },
  });
  await runExchange(p.plugin, { headers: { ...GET, ':path': '/p', ':authority': 'h.example' } }, { properties: { cluster_name: 'c1', route_name: 'r1' } });
  const answers = p.lines().filter((l) => l.startsWith('propat'));
  assert.equal(answers.length, 7, answers.join('\n'));
  assert.equal(p.answer('propat node%00metadata%00KEY_A', 0).result, hex('a'));
  assert.equal(p.answer('propat node%00metadata%00KEY_B').result, hex('b'), 'differs in its last byte only');
  assert.equal(p.answer('propat node%00metadata%00KEY_A', 1).result, hex('a'));
  assert.equal(p.answer('propat request%00path').result, hex('/p'));
  assert.equal(p.answer('propat request%00host').result, hex('h.example'), 'as long, differs in its last word');
  assert.equal(p.answer('propat cluster_name').result, hex('c1'));
  assert.equal(p.answer('propat route_name').result, hex('r1'));
});

test('properties: what maps inherit is no attribute (valueOf, constructor, __proto__): not found, and the VM goes on', async () => {
  const names = ['valueOf', 'toString', 'constructor', '__proto__', 'request%00constructor', 'response%00valueOf', 'upstream%00toString', 'request%00headers%00constructor', 'node%00hasOwnProperty'];
  const p = await startProbe(`request_headers: ${names.map((n) => `prop ${n}`).join('; ')}; prop upstream%00address`, { properties: { node: { id: 'n' } } });
  await runExchange(p.plugin, { headers: GET }, { properties: { upstream: { address: '10.0.0.9:80' } } });
  for (const n of names) assert.equal(p.answer(`prop ${n}`).status, Status.NotFound, n);
  assert.equal(p.answer('prop upstream%00address').result, hex('10.0.0.9:80'), 'and the next property is answered');
});

test('log levels, get_log_level, the clock, status and effective context', async () => {
  const p = await startProbe('request_headers: log 6 x; log 0 trace-line; loglevel; time; effective 999; effective 1; status', {
    host: { logLevel: 'debug', now: () => 42n },
  });
  await runExchange(p.plugin, { headers: GET });
  assert.equal(p.answer('log 6 x').status, Status.BadArgument);
  assert.equal(p.answer('log 0 trace-line').status, Status.Ok);
  assert.ok(!p.lines().includes('trace-line'), 'below the host level: dropped');
  assert.equal(p.answer('loglevel').result, '1');
  assert.equal(p.answer('time').result, '42');
  assert.equal(p.answer('effective 999').status, Status.BadArgument);
  assert.equal(p.answer('effective 1').status, Status.Ok);
  assert.deepEqual(p.answer('status'), { status: Status.Ok, result: '0 ' });
});

test('metrics: Envoy\'s id scheme, counter and gauge rules, histograms, Prometheus text', async () => {
  const p = await startProbe([
    'configure: metric 0 probe_hits; metric 1 probe_level; metric 2 probe_ms; metric 0 probe_other; metric 3 bad',
    'request_headers: inc 4 5; inc 4 -1; inc 5 10; inc 5 -3; rec 5 7; rec 6 30; rec 6 2; mget 4; mget 5; mget 6; mget 404; inc 6 1; rec 404 1',
  ].join('\n'));
  await runExchange(p.plugin, { headers: GET });
  assert.equal(p.answer('metric 0 probe_hits').result, '4');
  assert.equal(p.answer('metric 1 probe_level').result, '5');
  assert.equal(p.answer('metric 2 probe_ms').result, '6');
  assert.equal(p.answer('metric 0 probe_other').result, '8');
  assert.equal(p.answer('metric 3 bad').status, Status.BadArgument);
  assert.equal(p.answer('inc 4 -1').status, Status.BadArgument, 'counters only go up');
  assert.equal(p.answer('inc 5 -3').status, Status.Ok, 'gauges go down');
  assert.equal(p.answer('mget 4').result, '5');
  assert.equal(p.answer('mget 5').result, '7', 'record sets a gauge');
  assert.equal(p.answer('mget 6').status, Status.BadArgument, 'histograms cannot be read');
  assert.equal(p.answer('mget 404').status, Status.NotFound);
  assert.equal(p.answer('inc 6 1').status, Status.BadArgument);
  assert.equal(p.answer('rec 404 1').status, Status.NotFound);
  const text = p.host.metrics.prometheus();
  assert.match(text, /^# HELP probe_hits .+\n# TYPE probe_hits counter\nprobe_hits 5$/m);
  assert.match(text, /^# HELP probe_level .+\n# TYPE probe_level gauge\nprobe_level 7$/m);
  assert.match(text, /^probe_ms_bucket\{le="1"\} 0$/m);
  assert.match(text, /^probe_ms_bucket\{le="5"\} 1$/m);
  assert.match(text, /^probe_ms_bucket\{le="50"\} 2$/m);
  assert.match(text, /^probe_ms_sum 32\nprobe_ms_count 2$/m);
});

test('shared data: compare-and-swap, scoped by vm_id, shared by VMs with the same vm_id', async () => {
  const p = await startProbe('configure: shget k; shset k v1 0; shget k; shset k v2 12345; shset k v2 1; shget k', { vmId: 'a' });
  assert.equal(p.answer('shget k', 0).status, Status.NotFound);
  assert.equal(p.answer('shset k v1 0').status, Status.Ok);
  assert.deepEqual(p.answer('shget k', 1), { status: Status.Ok, result: `${hex('v1')} 1` });
  assert.equal(p.answer('shset k v2 12345').status, Status.CasMismatch);
  assert.equal(p.answer('shset k v2 1').status, Status.Ok);
  assert.deepEqual(p.answer('shget k', 2), { status: Status.Ok, result: `${hex('v2')} 2` });
  const same = p.host.startPlugin(p.module, { vmId: 'a', configuration: 'configure: shget k' });
  assert.equal(p.answer('shget k').result, `${hex('v2')} 2`, 'another VM with the same vm_id sees it');
  p.host.startPlugin(p.module, { vmId: 'b', configuration: 'configure: shget k' });
  assert.equal(p.answer('shget k').status, Status.NotFound, 'another vm_id does not');
  await same.close();
});

test('shared queues: one asynchronous queue_ready per enqueue, FIFO, EMPTY, across VMs', async () => {
  const p = await startProbe('configure: qreg jobs\nqueue_ready: qdeq $queue', { vmId: 'q' });
  const queueId = p.answer('qreg jobs').result;
  assert.notEqual(queueId, '0', 'queue ids are never 0');
  // A second VM finds the queue by vm_id and name, and feeds it.
  p.host.startPlugin(p.module, { vmId: 'other', configuration: 'configure: qres q jobs; qenq $queue first; qenq $queue second; qres q nope; qenq 999 x; qdeq 999' });
  assert.equal(p.answer('qres q jobs').result, queueId);
  assert.equal(p.answer('qres q nope').status, Status.NotFound);
  assert.equal(p.answer('qenq 999 x').status, Status.NotFound);
  assert.equal(p.answer('qdeq 999').status, Status.NotFound);
  assert.equal(p.lines().filter((l) => l.startsWith('cb queue_ready')).length, 0, 'not delivered inside the enqueue');
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  const ready = p.lines().filter((l) => l.startsWith('cb queue_ready'));
  assert.deepEqual(ready, [`cb queue_ready 1 ${queueId}`, `cb queue_ready 1 ${queueId}`]);
  assert.equal(p.answer('qdeq $queue', 0).result, hex('first'));
  assert.equal(p.answer('qdeq $queue', 1).result, hex('second'));
  p.host.startPlugin(p.module, { vmId: 'q', configuration: `configure: qdeq ${queueId}` });
  assert.equal(p.answer(`qdeq ${queueId}`).status, Status.Empty);
});

test('foreign functions the embedder registers; unknown ones are NOT_FOUND; gRPC is UNIMPLEMENTED', async () => {
  const p = await startProbe('configure: foreign reverse abc; foreign missing x; grpc', {
    host: { foreignFunctions: { reverse: (args) => Uint8Array.from(args).reverse() } },
  });
  assert.deepEqual(p.answer('foreign reverse abc'), { status: Status.Ok, result: hex('cba') });
  assert.equal(p.answer('foreign missing x').status, Status.NotFound);
  assert.equal(p.answer('grpc').status, Status.Unimplemented);
});

test('WASI stdout and stderr become info and error logs; other descriptors are EBADF', async () => {
  const p = await startProbe('configure: write 1 hello%0a; write 2 oops; write 7 x');
  assert.deepEqual(p.answer('write 1 hello%0a'), { status: 0, result: '6' });
  assert.ok(p.logs.some((e) => e.level === 'info' && e.message === 'hello'), 'one trailing newline dropped');
  assert.ok(p.logs.some((e) => e.level === 'error' && e.message === 'oops'));
  assert.equal(p.answer('write 7 x').status, 8);
});
