// What `npm start` prints once everything is up: where each part runs, and commands to paste.
// Every command runs as printed in any POSIX shell (zsh too: URLs are quoted, so its `?` is
// not a glob) from the directory npm was started in, and runs this clone's own CLI by its path:
// `npx redtail` would look the name up, and outside the clone ask the npm registry for it.
import { isAbsolute, relative, resolve } from 'node:path';
import { curlLine } from './demo.js';

/** A word for a POSIX shell: left bare when it holds nothing a shell reads, single-quoted otherwise. */
export function shellWord(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** `path` as the user reaches it from `cwd`: relative below it, absolute elsewhere. */
export function fromDir(cwd, path) {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel;
}

/** A folder as a reader takes it for one: ./data, not data. */
const folder = (path) => (isAbsolute(path) || path.startsWith('.') ? path : `./${path}`);

/**
 * The banner. `cwd` is where the user typed the command (npm's INIT_CWD), `root` the clone,
 * `data` the collector's data folder as configured (relative to the process's directory),
 * `filter` the module the proxy runs ({ path, size }) and on how many workers; `tokens`, whether
 * the collector asks for them.
 */
export function banner({ proxyUrl, collectorUrl, upstreamPort, data, filter, workers, root, cwd, tokens = false }) {
  const redtail = `node ${shellWord(fromDir(cwd, resolve(root, 'bin/redtail.js')))}`;
  const url = `--url '${collectorUrl}'`; // always quoted, as the curl line's URL is
  return `
redtail is running
  proxy       ${proxyUrl}   (the filter runs here, in front of the demo upstream on :${upstreamPort}, which echoes each request)
  filter      ${fromDir(cwd, filter.path)}   (${filter.size} bytes, on ${workers} workers)
  collector   ${collectorUrl}    (data in ${folder(fromDir(cwd, resolve(data)))})

try it (the card number, the email and the tokens never reach storage, though the upstream echoes them):
  ${curlLine(proxyUrl)}
  ${redtail} tail ${url}            (live, in another terminal)
  ${redtail} query ${url} --since 15m
  web page    ${collectorUrl}/              (search, and Live for the live tail)
${tokens ? '  (the collector asks for tokens: give the commands one with the read scope, REDTAIL_TOKEN=… or --token)\n' : ''}
Ctrl-C stops everything.
`;
}
