// The collector the export bench starts with an exporter is the one it talks to: its log names
// the receiver's url before its own.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { serve } from '../collector.bench.js';

test('serve() gives the collector\'s own url when an exporter\'s url is logged first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redtail-bench-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ exporters: [{ name: 'o', type: 'otlp', encoding: 'protobuf', endpoint: 'http://127.0.0.1:9' }] }));
  const c = await serve(join(dir, 'data'), ['--config', config]);
  try {
    assert.notEqual(new URL(c.url).port, '9');
    const res = await fetch(`${c.url}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { ok: boolean }).ok, true);
  } finally {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
