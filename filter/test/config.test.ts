// The configuration: defaults accepted, every mistake refused with the field, the value and
// what was expected, so a typo can never quietly weaken redaction.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PluginError } from '../../host/src/index.js';
import { startFilter } from './harness.js';

async function refused(config: string | object): Promise<string> {
  try {
    const f = await startFilter(typeof config === 'string' ? config : JSON.stringify(config));
    await f.stop();
  } catch (err) {
    assert.ok(err instanceof PluginError, String(err));
    assert.equal(err.code, 'configure_failed');
    return err.message;
  }
  assert.fail(`the configuration ${JSON.stringify(config)} was accepted`);
}

test('no configuration, an empty object, and every field at its default are accepted', async () => {
  for (const c of ['', '{}', JSON.stringify({
    collector: { cluster: 'redtail-collector', authority: 'redtail-collector', path: '/v1/ingest', token: 't0k3n', timeout_ms: 5000 },
    flush: { interval_ms: 1000, max_records: 2000, max_bytes: 1048576 }, buffer: { max_bytes: 4194304 },
    retry: { initial_ms: 250, max_ms: 30000 },
    capture: { request_headers: ['content-type'], response_headers: [], body: { enabled: false, max_bytes: 1024, content_types: ['application/json'] } },
    redact: { headers: ['x-internal-token'], query_params: ['otp'], rules: { EMAIL_ADDRESS: 'hmac', CREDIT_CARD: 'partial', IP_ADDRESS: 'off' }, hmac: { key: 'a-key-of-16-chars-or-more', key_id: 'k2' } },
    sampling: { success_rate: 0.5 }, identity: { service: 's', namespace: 'n', workload: 'w', node: 'p' }, skip: { namespaces: ['redtail'] },
  })]) {
    const f = await startFilter(c);
    assert.ok(f.logs.some((e) => /redtail: configured/.test(e.message)));
    await f.stop();
  }
});

test('each mistake is refused with the field, the value and what was expected', async () => {
  const cases: [object | string, RegExp][] = [
    ['{"flush": {', /not valid JSON: an unterminated object|unexpected end of input/],
    ['[1,2]', /"the configuration" must be a JSON object, got an array/],
    [{ flush: { intervall_ms: 5 } }, /unknown field "flush.intervall_ms"; known fields of "flush" are interval_ms, max_records, max_bytes/],
    [{ redact: { rulez: {} } }, /unknown field "redact.rulez"/],
    [{ flush: { interval_ms: 'fast' } }, /"flush.interval_ms" must be an integer from 10 to 60000, got "fast"/],
    [{ flush: { interval_ms: 2.5 } }, /"flush.interval_ms" must be an integer/],
    [{ flush: { heartbeat_ms: 10 } }, /"flush.heartbeat_ms" must be an integer from 1000 to 3600000, got 10/],
    [{ flush: { max_records: 0 } }, /"flush.max_records" must be an integer from 1 to 10000, got 0/],
    [{ collector: { path: 'v1/ingest' } }, /"collector.path" must be a path starting with \//],
    [{ collector: { token: 'has space' } }, /"collector.token" must be visible ASCII without spaces/],
    [{ collector: { token_env: '1TOKEN' } }, /"collector.token_env" must be an environment variable's name/],
    [{ collector: { token: 't0k3n', token_env: 'TOKEN' } }, /"collector.token_env" must be left out when collector.token is set/],
    [{ buffer: { max_bytes: 20000 }, flush: { max_bytes: 65536 } }, /"buffer.max_bytes" must be at least flush.max_bytes \(65536\)/],
    [{ redact: { rules: { JWT: 'off' } } }, /"redact.rules.JWT" must be mask or hmac \(a rule that guards secrets cannot be turned off\)/],
    [{ redact: { rules: { JWT: 'partial' } } }, /"redact.rules.JWT" must be off, mask or hmac \(it has no partial form\)/],
    [{ redact: { rules: { EMAIL: 'mask' } } }, /unknown field "redact.rules.EMAIL"; known fields of "redact.rules" are EMAIL_ADDRESS/],
    [{ redact: { rules: { EMAIL_ADDRESS: 'blur' } } }, /must be one of off, mask, partial, hmac, got "blur"/],
    [{ redact: { rules: { EMAIL_ADDRESS: 'hmac' } } }, /"redact.hmac.key" must be set \(16 characters or more\) when a rule uses hmac, as EMAIL_ADDRESS does/],
    [{ redact: { hmac: { key: 'short' } } }, /"redact.hmac.key" must be a string of 16 to 1024 characters, got "short"/],
    [{ capture: { request_headers: ['ok', 'bad name'] } }, /"capture.request_headers\[1\]" must be a name of 1 to 128 visible ASCII characters, got "bad name"/],
    [{ sampling: { success_rate: 2 } }, /"sampling.success_rate" must be a number from 0 to 1, got 2/],
    [{ skip: { namespaces: 'redtail' } }, /"skip.namespaces" must be an array of at most 64 names, got "redtail"/],
    [{ skip: { namespace: ['redtail'] } }, /unknown field "skip.namespace"; known fields of "skip" are namespaces/],
    ['{"flush": {"interval_ms": 100, "interval_ms": 200}}', /the key "interval_ms" appears twice/],
  ];
  for (const [config, expected] of cases) {
    const message = await refused(config);
    assert.match(message, expected, `for ${JSON.stringify(config)}`);
    assert.match(message, /^plugin redtail: proxy_on_configure returned false: redtail: filter config: /);
  }
});
