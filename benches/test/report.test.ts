// The benchmark page is the bench's own output: docs/benchmarks.md is what the results files
// make, so a hand edit or a results file committed without its page fails here.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { benchmarkCharts, benchmarkPage, CHARTS_DIR, PAGE } from '../report.js';
import { target } from '../measure.js';
import { readSuiteResults, suiteResults, writeSuiteResults } from '../results.js';

test('docs/benchmarks.md is the page the committed results files make (npm run bench -- --page-only makes it again)', () => {
  assert.equal(readFileSync(PAGE, 'utf8'), benchmarkPage(readSuiteResults()));
});

test('docs/benchmarks/*.svg are the charts the committed results files make', () => {
  const charts = benchmarkCharts(readSuiteResults());
  for (const [name, svg] of charts) assert.equal(readFileSync(new URL(name, CHARTS_DIR), 'utf8'), svg, name);
});

test('each suite\'s latest file makes the page, by its date: a dated file per run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redtail-report-'));
  try {
    const url = pathToFileURL(dir + '/');
    const row = (nsPerOp: number) => [{ name: 'a step', nsPerOp, minNs: nsPerOp, maxNs: nsPerOp, runs: 1, iterations: 1 }];
    const older = { ...suiteResults('host', row(111), { quick: false }), date: '2026-11-30T10:00:00.000Z' };
    assert.equal(writeSuiteResults(older, url), '2026-11-30-host.json');
    writeSuiteResults({ ...suiteResults('host', row(222), { quick: false }), date: '2026-12-01T10:00:00.000Z' }, url);
    assert.equal(readSuiteResults(url).get('host')!.results[0]!.nsPerOp, 222);
    // A quick run later the same day is kept apart and does not replace the full run's figures.
    const quick = { ...suiteResults('host', row(333), { quick: true }), date: '2026-12-01T11:00:00.000Z' };
    assert.equal(writeSuiteResults(quick, url), '2026-12-01-host-quick.json');
    assert.equal(readSuiteResults(url).get('host')!.results[0]!.nsPerOp, 222);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a results file records the suite, the machine, the command and whether the run was quick, and the page shows them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redtail-report-'));
  try {
    const url = pathToFileURL(dir + '/');
    const rows = [{ name: 'a step', nsPerOp: 1234.5, minNs: 1000, maxNs: 2000, runs: 3, iterations: 100 }];
    writeSuiteResults(suiteResults('filter', rows, { quick: true }), url);
    writeSuiteResults(suiteResults('host', rows, { quick: false }), url);
    const files = readSuiteResults(url);
    assert.deepEqual([...files.keys()], ['filter', 'host']);
    assert.equal(files.get('filter')!.command, 'npm run bench -- filter --quick');
    assert.equal(files.get('host')!.machine.node, process.version);
    const page = benchmarkPage(files);
    assert.ok(page.indexOf('## host') < page.indexOf('## filter'), 'suites in the order of the bench');
    assert.match(page, /Reproduce: `npm run bench -- filter --quick`/);
    assert.equal(page.match(/\*\*A quick run\*\*/g)?.length, 1, 'only the quick run is marked quick');
    assert.match(page, /\| a step \| 1,235 \| 1,000 \| 2,000 \| 3 × 100 \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('figures held to a target are listed first, met or missed, a quick run said so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redtail-report-'));
  try {
    const url = pathToFileURL(dir + '/');
    const added = { name: 'added by the filter, per request', nsPerOp: 5200, minNs: 4000, maxNs: 6000, runs: 41, iterations: 10000, target: target(5200, 'ns', { max: 5000 }) };
    const scan = { name: 'redaction scan of a 4072-byte JSON body: 383 MB/s', nsPerOp: 10600, minNs: 9000, maxNs: 12000, runs: 41, iterations: 1, target: target(383, 'MB/s', { min: 300 }) };
    writeSuiteResults(suiteResults('filter', [added, scan], { quick: true }), url);
    const page = benchmarkPage(readSuiteResults(url));
    assert.ok(page.indexOf('## Targets') < page.indexOf('## filter'));
    assert.match(page, /\| filter \| added by the filter, per request \| ≤ 5,000 ns \| 5,200 ns \| \*\*missed\*\* \(quick run\) \|/);
    assert.match(page, /\| filter \| redaction scan of a 4072-byte JSON body \| ≥ 300 MB\/s \| 383 MB\/s \| met \(quick run\) \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
