#!/usr/bin/env node
// The redtail command. The TypeScript lives in cli/ and is built to dist/ by `npm run build`.
import { existsSync } from 'node:fs';
const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('redtail: not built yet: run `npm run build` (or `npm install`) in the redtail folder first');
  process.exit(1);
}
await import(entry.href);
