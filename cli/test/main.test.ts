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

/** Each command line is a usage error: exactly that stderr, nothing on stdout, exit 2. */
async function usageErrors(cases: [string[], string][]): Promise<void> {
  for (const [args, stderr] of cases) {
    const r = await run(args);
    assert.deepEqual(r, { code: 2, stdout: '', stderr }, args.join(' '));
  }
}

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
    [['proxy', '--admin', 'none'], 'redtail proxy: --admin must be an integer from 0 to 65535, or off, got "none"\nsee: redtail help proxy\n'],
    [['tail', '--retries', '-1'], 'redtail tail: --retries must be an integer of 0 or more, or forever, got "-1"\nsee: redtail help tail\n'],
  ];
  await usageErrors(cases);
});

test('numbers are decimal digits within their bounds, one parser for each kind: no 1e3, 0x10, empty or out-of-range values', async () => {
  const cases: [string[], string][] = [
    [['prune', '--retention-days', '1e9'], 'redtail prune: --retention-days must be an integer from 1 to 3650, got "1e9"\nsee: redtail help prune\n'],
    [['prune', '--retention-days', '99999999'], 'redtail prune: --retention-days must be an integer from 1 to 3650, got "99999999"\nsee: redtail help prune\n'],
    [['serve', '--port', '1e3'], 'redtail serve: --port must be an integer from 0 to 65535, got "1e3"\nsee: redtail help serve\n'],
    [['serve', '--port', '0x10'], 'redtail serve: --port must be an integer from 0 to 65535, got "0x10"\nsee: redtail help serve\n'],
    [['proxy', '--listen', ' 80'], 'redtail proxy: --listen must be an integer from 0 to 65535, got " 80"\nsee: redtail help proxy\n'],
    [['proxy', '--workers', '0x2'], 'redtail proxy: --workers must be an integer from 1 to 64, got "0x2"\nsee: redtail help proxy\n'],
    [['query', '--limit', '1e2'], 'redtail query: --limit must be a positive integer, got "1e2"\nsee: redtail help query\n'],
    [['audit', '--limit', '0'], 'redtail audit: --limit must be a positive integer, got "0"\nsee: redtail help audit\n'],
    [['tail', '--retries', ''], 'redtail tail: --retries must be an integer of 0 or more, or forever, got ""\nsee: redtail help tail\n'],
    [['tail', '--retries', '1e1'], 'redtail tail: --retries must be an integer of 0 or more, or forever, got "1e1"\nsee: redtail help tail\n'],
  ];
  await usageErrors(cases);
});

test('addresses and tokens that would quietly go wrong are usage errors: a bare port, credentials in --url (not echoed), an empty --token, a non-HTTP upstream', async () => {
  const cases: [string[], string][] = [
    [['query', '--url', '39911'], 'redtail query: --url 39911 is a number, not an address: did you mean localhost:39911?\nsee: redtail help query\n'],
    [['query', '--url', 'http://39911/'], 'redtail query: --url http://39911/ is a number, not an address: did you mean localhost:39911?\nsee: redtail help query\n'],
    [['tail', '--url', 'http://alice:s3cret@h:9900'], 'redtail tail: --url must not carry a user or password (user:password@host): give the collector\'s token with --token-file FILE, --token TOKEN or REDTAIL_TOKEN\nsee: redtail help tail\n'],
    [['query', '--token', ''], 'redtail query: --token is empty: give the token (is the variable it came from set?), or leave --token out\nsee: redtail help query\n'],
    [['proxy', '--upstream', 'ftp://x'], 'redtail proxy: --upstream must be an http:// or https:// URL (http://127.0.0.1:8080), got "ftp://x"\nsee: redtail help proxy\n'],
  ];
  await usageErrors(cases);
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

test('help and --version take no stray words; --help=false is not asking; help help is help\'s own usage', async () => {
  await usageErrors([
    [['--version', 'extra'], 'redtail: --version takes nothing after it, got "extra"\nsee: redtail help\n'],
    [['help', 'query', 'extra'], 'redtail: help takes one command, got "extra" after "query"\nsee: redtail help\n'],
    [['query', '--help=maybe'], 'redtail query: --help is a switch: give it alone, or =true, =false (yes/no, 1/0), got "maybe"\nsee: redtail help query\n'],
  ]);
  for (const args of [['help', 'help'], ['help', '--help']]) {
    const h = await run(args);
    assert.equal(h.code, 0, args.join(' '));
    assert.match(h.stdout, /^usage: redtail help \[<command>\]\n/, args.join(' '));
  }
  // Not help: the command runs, and here says no collector answers.
  const off = await run(['query', '--help=false', '--url', 'http://127.0.0.1:9']);
  assert.equal(off.code, 1, off.stderr);
  assert.equal(off.stdout, '');
  assert.match(off.stderr, /^redtail query: cannot reach the collector at http:\/\/127\.0\.0\.1:9: connection refused/);
});
