#!/usr/bin/env node
// Runs every compiled test file (dist/**/test/*.test.js) with node's test runner.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
function find(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return p.endsWith('.test.js') && p.includes(`${join('test', '')}`) ? [p] : [];
  });
}
const only = process.argv.slice(2);
const files = find(join(root, 'dist')).filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
if (files.length === 0) {
  console.error('test: no compiled tests under dist/: run npm run build first');
  process.exit(1);
}
// A test that hangs fails after two minutes instead of holding the run (and CI) forever.
const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-timeout=120000', '--test-reporter=spec', ...files], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
