// `redtail serve` as a real child process: a clean stop on SIGTERM, and kill -9 during heavy
// ingest losing no batch that was acknowledged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exited, ndjson, record, spawnRedtail, tempDir } from './helpers.js';

const start = (data: string) => spawnRedtail(['serve', '--port', '0', '--data', data]);

test('SIGTERM: the collector stops accepting, closes its shards and exits 0', async () => {
  const tmp = tempDir();
  const { child, url, stderr } = await start(tmp.dir);
  const res = await fetch(`${url}/v1/ingest`, { method: 'POST', body: ndjson([record({ start_time: new Date().toISOString() })]), headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': 's/1' } });
  assert.equal(res.status, 200);
  const done = exited(child);
  child.kill('SIGTERM');
  assert.equal(await done, 0);
  assert.ok(stderr.some((l) => /"event":"stopped"/.test(l)));
  tmp.remove();
});

test('kill -9 during heavy ingest loses no acknowledged batch', async () => {
  const tmp = tempDir();
  const first = await start(tmp.dir);
  const acked: string[] = [];
  let stop = false;
  // Four producers sending 200-record batches as fast as they are answered.
  const producers = Array.from({ length: 4 }, async (_, p) => {
    for (let seq = 1; !stop; seq++) {
      const id = `p${p}/${seq}`;
      const body = ndjson(Array.from({ length: 200 }, (_, i) => record({ request_id: `${id}#${i}`, start_time: new Date().toISOString() })));
      try {
        const res = await fetch(`${first.url}/v1/ingest`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': id } });
        if (res.status === 200) acked.push(id);
      } catch {
        return; // the collector is gone
      }
    }
  });
  await new Promise((r) => setTimeout(r, 600));
  const gone = exited(first.child);
  first.child.kill('SIGKILL');
  stop = true;
  await Promise.all(producers);
  await gone;
  assert.ok(acked.length > 5, `some batches were acknowledged before the kill (${acked.length})`);
  const second = await start(tmp.dir);
  for (const id of acked) {
    const res = await fetch(`${second.url}/v1/logs?request_id=${encodeURIComponent(`${id}#199`)}`);
    const body = (await res.json()) as { records: unknown[] };
    assert.equal(body.records.length, 1, `acknowledged batch ${id} is there, to its last record`);
    const again = await fetch(`${second.url}/v1/ingest`, { method: 'POST', body: ndjson([record({ start_time: new Date().toISOString() })]), headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': id } });
    assert.equal(((await again.json()) as { duplicate: boolean }).duplicate, true, 'and its id is still known');
  }
  const done = exited(second.child);
  second.child.kill('SIGTERM');
  await done;
  tmp.remove();
});
