import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { tempDir } from './helpers.js';

function load(config: unknown) {
  const tmp = tempDir();
  const file = join(tmp.dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  try {
    return loadConfig({ file });
  } finally {
    tmp.remove();
  }
}

test('the log\'s settings: defaults, values read, mistakes refused naming the field', () => {
  assert.deepEqual(load({}).log, { checkpointIntervalMs: 60_000, keyFile: undefined, name: undefined });
  assert.deepEqual(load({ log: { checkpoint_interval_ms: 500, key_file: '/keys/log.key', name: 'redtail.example.com/prod' } }).log,
    { checkpointIntervalMs: 500, keyFile: '/keys/log.key', name: 'redtail.example.com/prod' });
  const refused = (log: unknown, why: RegExp) => assert.throws(() => load({ log }), (e: Error) => e instanceof ConfigError && why.test(e.message));
  refused({ checkpoint_interval_ms: 0 }, /"log.checkpoint_interval_ms" must be an integer from 10 to 86400000, got 0/);
  refused({ name: 'two words' }, /"log.name" must be a name without spaces or "\+"/);
  refused({ key_file: '' }, /"log.key_file" must be a file path/);
  refused({ interval: 5 }, /unknown field "log.interval"; known fields are checkpoint_interval_ms, key_file, name/);
  refused([], /"log" must be an object/);
});

test('the memory bounds: defaults, values read, mistakes refused naming the field', () => {
  const { limits } = load({});
  assert.deepEqual([limits.pageCacheBytes, limits.queryCacheBytes], [32 * 1024 * 1024, 32 * 1024 * 1024]);
  const set = load({ limits: { page_cache_bytes: 8 * 1024 * 1024, query_cache_bytes: 0 } }).limits;
  assert.deepEqual([set.pageCacheBytes, set.queryCacheBytes], [8 * 1024 * 1024, 0]);
  assert.throws(() => load({ limits: { page_cache_bytes: 1000 } }), /"limits.page_cache_bytes" must be an integer from 1048576 to 68719476736, got 1000/);
  assert.throws(() => load({ limits: { query_cache_bytes: -1 } }), /"limits.query_cache_bytes" must be an integer from 0 to/);
});

test('tls: the certificate and key from the file, the environment or the flags, both or neither', () => {
  assert.equal(load({}).tls, undefined);
  assert.deepEqual(load({ tls: { cert: '/etc/tls/tls.crt', key: '/etc/tls/tls.key' } }).tls, { cert: '/etc/tls/tls.crt', key: '/etc/tls/tls.key' });
  assert.throws(() => load({ tls: { cert: '/etc/tls/tls.crt' } }), /"tls.key" must be a PEM key file, given with tls.cert, got undefined/);
  assert.throws(() => load({ tls: { cert: 'a', key: 'b', ca: 'c' } }), /unknown field "tls.ca"; known fields are cert, key/);
  assert.deepEqual(loadConfig({ env: { REDTAIL_TLS_CERT: 'c.pem', REDTAIL_TLS_KEY: 'k.pem' } }).tls, { cert: 'c.pem', key: 'k.pem' });
  assert.throws(() => loadConfig({ env: { REDTAIL_TLS_KEY: 'k.pem' } }), /"REDTAIL_TLS_CERT" must be a PEM certificate file/);
  assert.deepEqual(loadConfig({ env: { REDTAIL_TLS_CERT: 'c.pem', REDTAIL_TLS_KEY: 'k.pem' }, flags: { tlsCert: 'f.pem', tlsKey: 'g.pem' } }).tls, { cert: 'f.pem', key: 'g.pem' });
  assert.throws(() => loadConfig({ flags: { tlsCert: 'f.pem' } }), /"--tls-key" must be a PEM key file, given with --tls-cert/);
});

test('the sources\' settings: defaults, values read, mistakes refused naming the field', () => {
  assert.deepEqual(load({}).sources, { silentAfterMs: 300_000, forgetAfterMs: 86_400_000, maxIdentities: 10_000 });
  assert.deepEqual(load({ sources: { silent_after_ms: 60_000, forget_after_ms: 3_600_000, max_identities: 50 } }).sources, { silentAfterMs: 60_000, forgetAfterMs: 3_600_000, maxIdentities: 50 });
  const refused = (sources: unknown, why: RegExp) => assert.throws(() => load({ sources }), (e: Error) => e instanceof ConfigError && why.test(e.message));
  refused({ silent_after_ms: 10 }, /"sources.silent_after_ms" must be an integer from 100 to 604800000, got 10/);
  refused({ forget_after_ms: 'soon' }, /"sources.forget_after_ms" must be an integer from 1000 to /);
  refused({ silent_after: 5 }, /unknown field "sources.silent_after"; known fields are silent_after_ms, forget_after_ms/);
  refused('5m', /"sources" must be an object/);
});
