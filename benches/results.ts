// A suite's results file, benches/results/<suite>.json: what was measured, when, on what machine,
// and the command that measures it again. The benchmark page is made from these files only.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Measurement } from './measure.js';

export const RESULTS_DIR = new URL('../../benches/results/', import.meta.url);

export interface Machine {
  node: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
}

export interface SuiteResults {
  suite: string;
  date: string;
  /** A quick run: fewer iterations and records, for a check rather than a figure to quote. */
  quick: boolean;
  command: string;
  machine: Machine;
  results: Measurement[];
}

export function thisMachine(): Machine {
  const cpus = os.cpus();
  return { node: process.version, cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
}

export function suiteResults(suite: string, results: Measurement[], { quick }: { quick: boolean }): SuiteResults {
  return {
    suite,
    date: new Date().toISOString(),
    quick,
    command: `npm run bench -- ${suite}${quick ? ' --quick' : ''}`,
    machine: thisMachine(),
    results,
  };
}

export function writeSuiteResults(file: SuiteResults, dir = RESULTS_DIR): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`${file.suite}.json`, dir), JSON.stringify(file, null, 2) + '\n');
}

/** Every suite's latest results file present, keyed by suite (latest.json is the last run's whole output, not a suite). */
export function readSuiteResults(dir = RESULTS_DIR): Map<string, SuiteResults> {
  const files = new Map<string, SuiteResults>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.json') || name === 'latest.json') continue;
    const file = JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as SuiteResults;
    files.set(file.suite, file);
  }
  return files;
}
