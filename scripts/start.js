#!/usr/bin/env node
// npm start: builds what is missing (npm's "start" script ran the build first), then starts
// what exists of redtail. The collector, the proxy and the demo upstream come with their issues;
// until then this says so rather than pretending.
import { existsSync } from 'node:fs';

const have = (p) => existsSync(new URL(`../${p}`, import.meta.url));
console.log('redtail');
console.log(`  host (proxy-wasm in Node):   ${have('dist/host/src/index.js') ? 'built' : 'missing'}   dist/host/src/index.js`);
console.log(`  filter:                      ${have('build/filter.wasm') ? 'built' : 'not yet'}   build/filter.wasm`);
console.log(`  collector, proxy, upstream:  not yet (see the README's status section)`);
console.log('\nnext: npm test   (builds the filter and guests, runs every test)');
