// npm run bench [-- --quick] [-- host]: runs the suites, prints their tables, and writes
// benches/results/latest.json with the machine it ran on.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { collectorBench } from './collector.bench.js';
import { filterBench } from './filter.bench.js';
import { hostBench } from './host.bench.js';
import { formatTable, type Measurement } from './measure.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));

const suites: Record<string, (quick: boolean) => Promise<Measurement[]>> = {
  host: hostBench,
  filter: filterBench,
  collector: collectorBench,
};

const results: Record<string, Measurement[]> = {};
for (const [name, run] of Object.entries(suites)) {
  if (only.length && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}${quick ? ' (quick)' : ''} …\n`);
  results[name] = await run(quick);
  console.log(`\n${name}\n${formatTable(results[name]!)}`);
}

const out = new URL('../../benches/results/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('latest.json', out), JSON.stringify({
  date: new Date().toISOString(),
  quick,
  machine: { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
  results,
}, null, 2) + '\n');
console.log('\nwritten: benches/results/latest.json');
