// A suite's results file, benches/results/<date>-<suite>.json: what was measured, when, on what
// machine, and the command that measures it again. Each run writes its own file (a run the same
// day replaces that day's); the benchmark page is made from each suite's latest file only.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Measurement } from './measure.js';
import type { OverheadDetail } from './overhead.bench.js';

export const RESULTS_DIR = new URL('../../benches/results/', import.meta.url);

export interface Machine {
  node: string;
  /** Absent in files written before it was recorded. */
  v8?: string;
  os?: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** The load averages (1, 5, 15 minutes) when the run started: others' work on the machine. */
  load?: number[];
}

export interface SuiteResults {
  suite: string;
  date: string;
  /** A quick run: fewer iterations and records, for a check rather than a figure to quote. */
  quick: boolean;
  command: string;
  machine: Machine;
  results: Measurement[];
  /** The overhead suite's every run, which its tables and charts are made from. */
  overhead?: OverheadDetail;
}

export function thisMachine(): Machine {
  const cpus = os.cpus();
  return {
    node: process.version, v8: process.versions.v8, os: `${os.type()} ${os.release()}`,
    cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    load: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function suiteResults(suite: string, results: Measurement[], { quick, args = [], machine = thisMachine() }: { quick: boolean; args?: string[]; machine?: Machine }): SuiteResults {
  return {
    suite,
    date: new Date().toISOString(),
    quick,
    command: ['npm run bench --', suite, ...args, ...(quick ? ['--quick'] : [])].join(' '),
    machine,
    results,
  };
}

/** The file a run writes: its day and its suite, and a quick run's apart, so that it never replaces a full run's figures. */
export const resultsFileName = (file: SuiteResults) => `${file.date.slice(0, 10)}-${file.suite}${file.quick ? '-quick' : ''}.json`;

export function writeSuiteResults(file: SuiteResults, dir = RESULTS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const name = resultsFileName(file);
  writeFileSync(new URL(name, dir), JSON.stringify(file, null, 2) + '\n');
  return name;
}

/**
 * Each suite's latest full run present (a quick run only where a suite has no full one), keyed by
 * suite; latest.json is the last run's whole output, not a suite.
 */
export function readSuiteResults(dir = RESULTS_DIR): Map<string, SuiteResults> {
  const files = new Map<string, SuiteResults>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json') || name === 'latest.json') continue;
    const file = JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as SuiteResults;
    const held = files.get(file.suite);
    const later = (a: SuiteResults, b: SuiteResults) => (a.quick !== b.quick ? b.quick : a.date > b.date);
    if (!held || later(file, held)) files.set(file.suite, file);
  }
  return files;
}
