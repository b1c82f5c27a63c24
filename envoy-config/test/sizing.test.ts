// The volume's sizing comment uses the bytes per record the collector bench last measured.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DIR } from './workloads.js';

const RESULTS = new URL('../../../benches/results/', import.meta.url).pathname;
const MEASURE = 'stored bytes per record, indexes included (bytes)';

test('the collector volume\'s sizing comment matches the latest measured bytes per record', () => {
  const latest = readdirSync(RESULTS).filter((f) => f.endsWith('-collector.json')).sort().at(-1)!;
  const results = JSON.parse(readFileSync(join(RESULTS, latest), 'utf8')).results as { name: string; nsPerOp: number }[];
  const measured = results.find((r) => r.name === MEASURE)!.nsPerOp;
  const manifest = readFileSync(join(DIR, 'k8s/collector.yaml'), 'utf8');
  const said = Number(/Records a day x (\d+) bytes x retention_days/.exec(manifest)?.[1]);
  assert.equal(said, Math.round(measured), `the comment says ${said} bytes a record; ${latest} measured ${measured}`);
  // The records a day it says the claimed volume holds follow from it, a tenth of the volume left free.
  const gib = Number(/storage: (\d+)Gi/.exec(manifest)![1]);
  const perDay = Number(/room for about (\d+) million records a day kept 30 days, with a tenth left free/.exec(manifest)?.[1]);
  assert.equal(perDay, Math.floor((gib * 2 ** 30 * 0.9) / (said * 30) / 1e6), `${gib} GiB at ${said} bytes a record`);
});
