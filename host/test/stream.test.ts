// The HTTP stream lifecycle in Envoy's order, pauses, local replies and resets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runExchange, Status } from '../src/index.js';
import { GET, startProbe } from './probe.js';

const callbacks = (lines: string[]) => lines.filter((l) => l.startsWith('cb ')).map((l) => l.slice(3));

test('callbacks come in Envoy\'s order with their arguments: log, then done, then delete', async () => {
  const p = await startProbe();
  await runExchange(p.plugin, { headers: { ...GET, ':method': 'POST' }, body: ['ab', 'c'], trailers: { 'x-t': '1' } }, {
    upstream: () => ({ headers: { ':status': '200', 'x-a': '1' }, body: 'xyz', trailers: { 'grpc-status': '0' } }),
  });
  assert.deepEqual(callbacks(p.lines()).slice(3), [
    'context_create 2 1',
    'request_headers 2 4 0',
    'request_body 2 2 0',
    'request_body 2 1 0', // the first chunk went on: body_size is this chunk
    'request_trailers 2 1 0',
    'response_headers 2 2 0',
    'response_body 2 3 0',
    'response_trailers 2 1 0',
    'log 2',
    'done 2',
    'delete 2',
  ]);
});

test('end_of_stream is set on headers when there is no body, and on the last body chunk', async () => {
  const p = await startProbe();
  await runExchange(p.plugin, { headers: GET }, { upstream: () => ({ headers: { ':status': '200' }, body: 'b' }) });
  const cbs = callbacks(p.lines());
  assert.ok(cbs.includes('request_headers 2 4 1'));
  assert.ok(cbs.includes('response_headers 2 1 0'));
  assert.ok(cbs.includes('response_body 2 1 1'));
});

test('a paused request waits for proxy_continue_stream, then goes on', async () => {
  const p = await startProbe('configure: tick 20\ntick: effective 2; continue 0\nrequest_headers: pause');
  let reachedAt = 0;
  const t0 = Date.now();
  const r = await runExchange(p.plugin, { headers: GET }, { upstream: () => { reachedAt = Date.now(); return { headers: { ':status': '204' } }; } });
  assert.ok(reachedAt - t0 >= 15, `the upstream was reached after the tick continued the stream (${reachedAt - t0} ms)`);
  assert.equal(r.response!.headers.get(':status'), '204');
  assert.equal(p.answer('continue 0').status, Status.Ok);
  await p.plugin.close();
});

test('a local reply stops the request and runs back through the response callbacks', async () => {
  const p = await startProbe('request_headers: reply 403 denied%0a blocked_by_probe');
  let upstreamCalled = false;
  const r = await runExchange(p.plugin, { headers: GET }, { upstream: () => { upstreamCalled = true; return { headers: { ':status': '200' } }; } });
  assert.equal(upstreamCalled, false);
  assert.equal(r.localReply!.status, 403);
  assert.equal(r.localReply!.details, 'blocked_by_probe');
  assert.equal(r.response!.headers.get(':status'), '403');
  assert.equal(r.response!.headers.get('x-probe-reply'), 'yes');
  assert.equal(r.response!.body.toString(), 'denied\n');
  const cbs = callbacks(p.lines());
  assert.ok(cbs.includes('response_headers 2 3 0'), 'the module sees its own reply as the response');
  assert.ok(cbs.includes('response_body 2 7 1'));
  assert.deepEqual(cbs.slice(-3), ['log 2', 'done 2', 'delete 2']);
});

test('a client reset still ends with log, done and delete', async () => {
  const p = await startProbe();
  const r = await runExchange(p.plugin, { headers: GET }, { resetAfter: 'request-headers' });
  assert.equal(r.response, undefined);
  assert.deepEqual(callbacks(p.lines()).slice(-4), ['request_headers 2 4 0', 'log 2', 'done 2', 'delete 2']);
});

test('proxy_close_stream resets the stream', async () => {
  const p = await startProbe('request_headers: close 0; pause; close 9');
  await assert.rejects(runExchange(p.plugin, { headers: GET }), /closed the stream/);
  assert.equal(p.answer('close 0').status, Status.Ok);
  assert.equal(p.answer('close 9').status, Status.BadArgument);
  assert.deepEqual(callbacks(p.lines()).slice(-3), ['log 2', 'done 2', 'delete 2']);
});

test('a module that pauses and never continues times out the exchange, and the stream still ends', async () => {
  const p = await startProbe('request_headers: pause');
  await assert.rejects(runExchange(p.plugin, { headers: GET }, { resumeTimeoutMs: 30 }), /did not continue it within 30 ms/);
  assert.deepEqual(callbacks(p.lines()).slice(-3), ['log 2', 'done 2', 'delete 2']);
  assert.equal(p.plugin.vm.contexts.has(2), false, 'the context is gone');
});

test('streams get increasing context ids and their own state', async () => {
  const p = await startProbe('request_headers: setprop mine x\nlog: prop mine');
  await runExchange(p.plugin, { headers: GET });
  await runExchange(p.plugin, { headers: GET });
  assert.ok(callbacks(p.lines()).includes('context_create 3 1'));
  assert.equal(p.answer('prop mine', 0).status, Status.Ok);
  assert.equal(p.answer('prop mine', 1).status, Status.Ok);
});
