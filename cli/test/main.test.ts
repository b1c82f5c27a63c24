import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { run } from './redtail.js';

test('redtail --version prints the package version; an unknown command exits 2 with the usage', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  const v = await run(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `redtail ${version}\n`);
  const unknown = await run(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"[\s\S]*usage: redtail <command>/);
});
