#!/usr/bin/env node
// Builds what redtail runs: the TypeScript (tsc → dist/), the filter (asc → build/filter.wasm,
// release, and build/filter.debug.wasm), and the test guests (asc → build/guests/*.wasm).
// With --if-missing it skips every output that is newer than all of its sources.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root); // asc resolves `use abort=proxy-wasm-as/...` against the working directory
const ifMissing = process.argv.includes('--if-missing');

function files(dir, ext) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : files(p, ext);
    return p.endsWith(ext) ? [p] : [];
  });
}

function newest(paths) {
  return Math.max(0, ...paths.map((p) => statSync(p).mtimeMs));
}

function stale(output, sources) {
  if (!ifMissing || !existsSync(output)) return true;
  return newest(sources) > statSync(output).mtimeMs;
}

function step(label, fn) {
  const t = Date.now();
  process.stderr.write(`build: ${label} … `);
  fn();
  process.stderr.write(`${Date.now() - t} ms\n`);
}

const COMMON = ['--exportStart', '_initialize', '--use', 'abort=proxy-wasm-as/abort/guestAbort', '--runtime', 'incremental', '--enable', 'simd'];
// The filter's options are in asconfig.json (targets release and debug). It uses the minimal
// runtime (no incremental GC work inside allocations, a smaller module) and collects garbage
// itself, on the tick, where no managed object is on the stack.

async function compileAs(entry, outFile, extra) {
  mkdirSync(dirname(outFile), { recursive: true });
  // asc reads ./asconfig.json (the filter's) unless told otherwise: guests get an empty one.
  const out = extra.includes('--config') ? [] : ['-o', outFile, '--config', 'scripts/asconfig.guests.json'];
  const { error } = await asc.main([entry, ...out, ...extra], { stderr: process.stderr });
  if (error) throw new Error(`asc failed on ${entry}: ${error.message}`);
}

// The filter and the SDK it binds the ABI with; the guests are built on both.
const asSources = [...files('filter/src', '.ts'), ...files('proxy-wasm-as', '.ts')];

// The TypeScript: host, collector, CLI, tests, benches.
const tsSources = ['host/src', 'host/test', 'filter/test', 'collector', 'relay', 'cli', 'benches', 'envoy-config', 'e2e'].flatMap((d) => files(d, '.ts'))
  .filter((f) => !f.includes(`${join('test', 'guests')}`) && !f.startsWith(join('benches', 'guests')));
if (stale('dist/.built', [...tsSources, 'tsconfig.json'])) {
  // A full build starts from an empty dist/, so a deleted test cannot linger there and run.
  if (!ifMissing) rmSync('dist', { recursive: true, force: true });
  step('tsc', () => {
    execFileSync(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { stdio: 'inherit' });
    execFileSync('touch', ['dist/.built']);
  });
}

// The filter.
if (existsSync('filter/src/index.ts')) {
  if (stale('build/filter.wasm', [...asSources, 'asconfig.json'])) {
    await compileAs('filter/src/index.ts', 'build/filter.wasm', ['--config', 'asconfig.json', '--target', 'release']);
    process.stderr.write('build: filter/src → build/filter.wasm\n');
  }
  if (stale('build/filter.debug.wasm', [...asSources, 'asconfig.json'])) {
    await compileAs('filter/src/index.ts', 'build/filter.debug.wasm', ['--config', 'asconfig.json', '--target', 'debug']);
  }
}

// The collector's modules (collector/src/wasm.ts loads them): no managed objects, so the stub runtime.
for (const source of files('collector/wasm', '.ts')) {
  const out = `build/${source.split(/[\\/]/).pop().replace(/\.ts$/, '')}.wasm`;
  if (!stale(out, [source])) continue;
  await compileAs(source, out, ['--runtime', 'stub', '--enable', 'simd', '-O3', '--noAssert']);
  process.stderr.write(`build: ${source} → ${out}\n`);
}

const SPECIAL = {
  'start-section': COMMON.filter((a, i, all) => a !== '--exportStart' && all[i - 1] !== '--exportStart'),
  'env-abort': ['--exportStart', '_initialize'],
};
// The scanner's bench guest is optimized as the filter is, so it times the code the filter runs.
const LEVEL = { 'scan-loop': '-O3' };
// The host's test guests and the benches' guests. Two are built without our usual options on purpose (see their headers).
for (const guest of [...files('host/test/guests', '.ts'), ...files('filter/test/guests', '.ts'), ...files('benches/guests', '.ts')]) {
  const name = guest.split(/[\\/]/).pop().replace(/\.ts$/, '');
  const out = `build/guests/${name}.wasm`;
  if (!stale(out, [guest, ...asSources])) continue;
  await compileAs(guest, out, [...(SPECIAL[name] ?? COMMON), LEVEL[name] ?? '-O2']);
  process.stderr.write(`build: ${guest} → ${out}\n`);
}
