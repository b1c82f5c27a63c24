// Tokens' names (http/auth.ts): what the audit log calls whoever used a token, given in the
// config file or in REDTAIL_TOKENS, or made from a short digest; never the token itself.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { tokenName } from '../../src/http/auth.js';
import { tempDir } from '../helpers.js';

const TOKEN = 'abcdefghijklmnop0123';

test('REDTAIL_TOKENS names a token in a third part; one without a name is named by a digest, not by itself', () => {
  const c = loadConfig({ env: { REDTAIL_TOKENS: `${TOKEN}:read:grafana;${TOKEN}x::envoy;${TOKEN}y` } });
  assert.deepEqual(c.tokens.map((t) => [tokenName(t), t.scopes]), [['grafana', ['read']], ['envoy', ['ingest', 'read']], [tokenName(c.tokens[2]!), ['ingest', 'read']]]);
  const unnamed = tokenName(c.tokens[2]!);
  assert.match(unnamed, /^token-[0-9a-f]{8}$/);
  assert.ok(!unnamed.includes(`${TOKEN}y`.slice(0, 8)));
  assert.equal(tokenName({ token: `${TOKEN}y`, scopes: ['read'] }), unnamed, 'the same token, the same name, at every start');
});

test('a config file names tokens with "name"; a bad name is refused naming the field', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.dir, 'c.json');
    writeFileSync(file, JSON.stringify({ tokens: [{ name: 'ops', token: TOKEN, scopes: ['admin'] }] }));
    assert.equal(tokenName(loadConfig({ file }).tokens[0]!), 'ops');
    writeFileSync(file, JSON.stringify({ tokens: [{ name: 'two words', token: TOKEN, scopes: ['admin'] }] }));
    assert.throws(() => loadConfig({ file }), /tokens\[0\]\.name/);
    assert.throws(() => loadConfig({ env: { REDTAIL_TOKENS: `${TOKEN}:read:a:b` } }), /REDTAIL_TOKENS\[0\]\.name/);
  } finally {
    tmp.remove();
  }
});
