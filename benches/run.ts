// npm run bench [-- --quick] [-- host filter collector export overhead]: runs the suites, prints their
// tables, writes each suite's results to benches/results/<date>-<suite>.json (and the whole run to
// latest.json), then makes docs/benchmarks.md and its charts again from each suite's latest file.
// The overhead suite runs only when named (it takes minutes; see overhead.bench.ts for its flags).
// npm run bench -- --page-only makes the page again without running anything.
import { mkdirSync, writeFileSync } from 'node:fs';
import { collectorBench } from './collector.bench.js';
import { exportBench } from './export.bench.js';
import { filterBench } from './filter.bench.js';
import { hostBench } from './host.bench.js';
import { formatTable, type Measurement } from './measure.js';
import { overheadBench } from './overhead.bench.js';
import { writeBenchmarkPage } from './report.js';
import { RESULTS_DIR, type SuiteResults, suiteResults, thisMachine, writeSuiteResults } from './results.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const pageOnly = args.includes('--page-only');

type Suite = (o: { quick: boolean; args: string[] }) => Promise<Measurement[] | Pick<SuiteResults, 'results' | 'overhead'>>;

const suites: Record<string, Suite> = {
  host: ({ quick }) => hostBench(quick),
  filter: ({ quick }) => filterBench(quick),
  collector: ({ quick }) => collectorBench(quick),
  export: ({ quick }) => exportBench(quick),
  overhead: overheadBench,
};
const onlyWhenNamed = new Set(['overhead']);
const only = args.filter((a) => a in suites);
/** The flags a suite's command is run again with (its own options, not --quick). */
const suiteArgs = args.filter((a) => !(a in suites) && a !== '--quick');

if (!pageOnly) {
  const machine = thisMachine();
  const results: Record<string, Measurement[]> = {};
  for (const [name, run] of Object.entries(suites)) {
    if (only.length ? !only.includes(name) : onlyWhenNamed.has(name)) continue;
    process.stderr.write(`bench: ${name}${quick ? ' (quick)' : ''} …\n`);
    const out = await run({ quick, args });
    const file = { ...suiteResults(name, Array.isArray(out) ? out : out.results, { quick, args: onlyWhenNamed.has(name) ? suiteArgs : [], machine }), ...(Array.isArray(out) ? {} : { overhead: out.overhead }) };
    results[name] = file.results;
    console.log(`\n${name}\n${formatTable(file.results)}`);
    console.log(`written: benches/results/${writeSuiteResults(file)}`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(new URL('latest.json', RESULTS_DIR), JSON.stringify({
    date: new Date().toISOString(),
    quick,
    machine,
    results,
  }, null, 2) + '\n');
  console.log('written: benches/results/latest.json');
}
writeBenchmarkPage();
console.log(quick && !pageOnly
  ? 'written: docs/benchmarks.md and its charts, from each suite\'s latest full run (a quick run\'s figures are only in its results file above)'
  : 'written: docs/benchmarks.md and its charts');
