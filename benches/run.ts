// npm run bench [-- --quick] [-- host filter collector]: runs the suites, prints their tables,
// writes each suite's results to benches/results/<suite>.json (and the whole run to latest.json),
// then makes docs/benchmarks.md again from every results file present.
// npm run bench -- --page-only makes the page again without running anything.
import { mkdirSync, writeFileSync } from 'node:fs';
import { collectorBench } from './collector.bench.js';
import { filterBench } from './filter.bench.js';
import { hostBench } from './host.bench.js';
import { formatTable, type Measurement } from './measure.js';
import { writeBenchmarkPage } from './report.js';
import { RESULTS_DIR, suiteResults, thisMachine, writeSuiteResults } from './results.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const pageOnly = args.includes('--page-only');
const only = args.filter((a) => !a.startsWith('--'));

const suites: Record<string, (quick: boolean) => Promise<Measurement[]>> = {
  host: hostBench,
  filter: filterBench,
  collector: collectorBench,
};

if (!pageOnly) {
  const results: Record<string, Measurement[]> = {};
  for (const [name, run] of Object.entries(suites)) {
    if (only.length && !only.includes(name)) continue;
    process.stderr.write(`bench: ${name}${quick ? ' (quick)' : ''} …\n`);
    results[name] = await run(quick);
    console.log(`\n${name}\n${formatTable(results[name]!)}`);
    writeSuiteResults(suiteResults(name, results[name]!, { quick }));
    console.log(`written: benches/results/${name}.json`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(new URL('latest.json', RESULTS_DIR), JSON.stringify({
    date: new Date().toISOString(),
    quick,
    machine: thisMachine(),
    results,
  }, null, 2) + '\n');
  console.log('written: benches/results/latest.json');
}
writeBenchmarkPage();
console.log('written: docs/benchmarks.md');
