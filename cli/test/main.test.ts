// The CLI's manners as a child process: the version, help for each command on stdout, usage
// errors on stderr in one line with where to read on (exit 2), switches that mean what they say.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { collector, ndjson, post, record } from '../../collector/test/helpers.js';
import { run } from './redtail.js';

test('redtail --version, -V and version print the package version', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const asked of ['--version', '-V', 'version']) {
    const v = await run([asked]);
    assert.deepEqual(v, { code: 0, stdout: `redtail ${version}\n`, stderr: '' }, asked);
  }
});

test('help: redtail help <command>, <command> --help and -h print that command\'s usage on stdout; no arguments is a usage error', async () => {
  for (const args of [['help', 'query'], ['query', '--help'], ['query', '-h'], ['prove', '-h']]) {
    const h = await run(args);
    assert.equal(h.code, 0, args.join(' '));
    assert.equal(h.stderr, '', args.join(' '));
    assert.match(h.stdout, new RegExp(`^usage: redtail ${args.includes('prove') ? 'prove' : 'query'} \\[options\\]\\n`), args.join(' '));
  }
  const general = await run(['help']);
  assert.equal(general.code, 0);
  assert.match(general.stdout, /^usage: redtail <command>[\s\S]*\n {2}query {2,}/);
  const none = await run([]);
  assert.equal(none.code, 2);
  assert.equal(none.stdout, '');
  assert.match(none.stderr, /^usage: redtail <command>/);
});

test('a usage error is one line and where to read on, on stderr, exit 2; an unknown command names the closest', async () => {
  const cases: [string[], string][] = [
    [['quer'], 'redtail: unknown command "quer"; did you mean \'query\'?\nsee: redtail help\n'],
    [['help', 'tial'], 'redtail: unknown command "tial"; did you mean \'tail\'?\nsee: redtail help\n'],
    [['frobnicate'], 'redtail: unknown command "frobnicate"\nsee: redtail help\n'],
    [['query', '--jsno'], 'redtail query: unknown option --jsno; did you mean --json?\nsee: redtail help query\n'],
    [['query', '--\x1b[2Jx'], 'redtail query: unknown option --\\x1b[2Jx\nsee: redtail help query\n'],
    [['query', '--limit', '5', '--limit', 'x'], 'redtail query: --limit must be a positive integer, got "x"\nsee: redtail help query\n'],
    [['query', '--limit'], 'redtail query: --limit needs a value (N)\nsee: redtail help query\n'],
    [['query', '--url', '--json'], 'redtail query: --url needs a value (URL)\nsee: redtail help query\n'],
    [['query', '--limit', 'lots'], 'redtail query: --limit must be a positive integer, got "lots"\nsee: redtail help query\n'],
    [['query', '--json=maybe'], 'redtail query: --json is a switch: give it alone, or =true, =false (yes/no, 1/0), got "maybe"\nsee: redtail help query\n'],
    [['query', '--url', 'ftp://x'], 'redtail query: --url must be the collector\'s address, http://HOST:PORT or https://HOST:PORT (or HOST:PORT), got "ftp://x"\nsee: redtail help query\n'],
    [['serve', '--port', '70000'], 'redtail serve: --port must be an integer from 0 to 65535, got "70000"\nsee: redtail help serve\n'],
    [['proxy', '--admin', 'none'], 'redtail proxy: --admin must be a port from 0 to 65535, or off, got "none"\nsee: redtail help proxy\n'],
    [['tail', '--retries', '-1'], 'redtail tail: --retries must be a whole number or forever, got "-1"\nsee: redtail help tail\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = await run(args);
    assert.deepEqual(r, { code: 2, stdout: '', stderr }, args.join(' '));
  }
});

test('--since later than --until is a usage error, not an empty answer', async () => {
  const r = await run(['query', '--url', 'http://127.0.0.1:9', '--since', '2026-11-28T00:00:00Z', '--until', '2026-11-27T00:00:00Z']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^redtail query: --since 2026-11-28T00:00:00Z \(2026-11-28T00:00:00.000Z\) is later than --until 2026-11-27T00:00:00Z .*\nsee: redtail help query\n$/);
  const audit = await run(['audit', '--data', '/nonexistent', '--since', '1h', '--until', '2h']);
  assert.equal(audit.code, 2);
  assert.match(audit.stderr, /--since 1h .* is later than --until 2h/);
});

test('a switch means what it says: --json, =true|yes|1, =false|no|0, --no-json', async () => {
  const c = await collector();
  try {
    await post(c.url, ndjson([record({ request_id: 'one' })]), { 'x-redtail-batch': 'b/1' });
    const isJson = (s: string) => s.startsWith('{"');
    for (const on of ['--json', '--json=true', '--json=yes', '--json=1', '--json=YES']) {
      const r = await run(['query', '--url', c.url, on]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(isJson(r.stdout), `${on}: ${r.stdout}`);
    }
    for (const off of [['--json=false'], ['--json=no'], ['--json=0'], ['--no-json'], ['--json', '--no-json']]) {
      const r = await run(['query', '--url', c.url, ...off]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^2026-11-27 \S+\s+200\s+GET/, off.join(' '));
    }
  } finally {
    await c.stop();
  }
});
