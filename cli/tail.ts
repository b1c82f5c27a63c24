// redtail tail: a live stream of records from the collector, filtered, one line each (or NDJSON
// with --json). A collector never reached is tried a bounded number of times, with a countdown,
// then given up on; once it was reached, a dropped connection is retried without end, said on stderr.
import { constants } from 'node:os';
import WebSocket from 'ws';
import { commandFlags, type FlagSpec } from './args.js';
import { integer } from './integers.js';
import { tlsProblem } from '../collector/src/index.js';
import { FILTER_FLAGS, queryString, target } from './filters.js';
import { countdown } from './countdown.js';
import { asRecord, gapLine, isDropNotice, isNotice, noticeLine, recordLine, unreadableLine } from './format.js';
import { printable, printableJson } from './printable.js';
import { notACollector, refusalHint, unreachable } from './reach.js';

const FLAGS: FlagSpec = {
  ...FILTER_FLAGS,
  retries: { value: 'N', help: 'times to try again when the collector cannot be reached at the start, before giving up with exit 1 (default 4; forever to keep trying); once connected, it always reconnects' },
};
const SUMMARY = 'Streams records live from the collector as they are stored.';
const DEFAULT_RETRIES = 4;

/** How one connection ended: fatal (give up now), or why it failed or closed. */
type Outcome = { fatal?: string; why?: string };

export async function tail(argv: string[]): Promise<number> {
  const flags = commandFlags('tail', SUMMARY, FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const retries = flags.retries === undefined ? DEFAULT_RETRIES : flags.retries === 'forever' ? Infinity : integer(flags.retries, '--retries', { min: 0, or: 'forever' });
  const collector = target('tail', flags);
  if (typeof collector === 'number') return collector;
  const { url, headers } = collector;
  const wsUrl = `${url.replace(/^http/, 'ws')}/v1/tail?${queryString(flags)}`;
  const json = flags.json !== undefined;
  const utc = flags.utc !== undefined;
  const color = !json && process.stdout.isTTY === true;
  let delay = 250;
  let connected = false;
  let failures = 0;
  let current: WebSocket | undefined;
  // The signal that stopped the tail, if one did: it also cuts a countdown short.
  let stoppedBy: NodeJS.Signals | undefined;
  const stopping = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    stoppedBy = signal;
    stopping.abort();
    current?.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopping.signal.aborted) {
    const outcome = await new Promise<Outcome>((resolve) => {
      let why: string | undefined;
      const ws = new WebSocket(wsUrl, { headers, ...collector.tls });
      current = ws;
      ws.on('open', () => {
        delay = 250;
        connected = true;
        process.stderr.write(`redtail tail: connected to ${url}\n`);
      });
      ws.on('message', (data) => {
        // A message is NDJSON: records, drop notices and notices of the trail's completeness, a
        // line each. A line that is not a record is said to be unreadable (on stderr with
        // --json, whose output stays JSON), and the tail goes on.
        for (const line of String(data).split('\n')) {
          if (line.trim() === '') continue;
          const m = asRecord(line);
          if (m === undefined) {
            if (json) process.stderr.write(`redtail tail: skipped a line that is not a record: ${unreadableLine(line, { color: false })}\n`);
            else process.stdout.write(`${unreadableLine(line, { color })}\n`);
          } else if (json) process.stdout.write(`${printableJson(m)}\n`);
          else if (isDropNotice(m)) process.stdout.write(`${gapLine(m.dropped, { color })}\n`);
          else if (isNotice(m)) process.stdout.write(`${noticeLine(m.notice, { color })}\n`);
          else process.stdout.write(`${recordLine(m, { color, utc })}\n`);
        }
      });
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const error = (() => { try { return (JSON.parse(body) as { error?: unknown }).error; } catch { return undefined; } })();
          // Not the collector's JSON error: something else answers at that URL.
          if (typeof error !== 'string') return resolve({ fatal: notACollector(url, status, res.headers['content-type']) });
          // A refusal (bad filter, token) will not get better by retrying; a 5xx may.
          if (status < 500) return resolve({ fatal: `the collector refused: HTTP ${status}: ${error}${refusalHint(status, 'read')}` });
          resolve({ why: `the collector answered ${status}: ${error}` });
        });
      });
      ws.on('error', (err) => {
        // A certificate refused will not get better by retrying either.
        const tls = tlsProblem(err, url, '--ca FILE (or REDTAIL_CA)');
        if (tls !== undefined) resolve({ fatal: tls });
        why = unreachable(err, url);
      });
      ws.on('close', () => resolve({ why }));
    });
    if (outcome.fatal) {
      console.error(`redtail tail: ${printable(outcome.fatal)}`);
      return 1;
    }
    if (stopping.signal.aborted) break;
    if (connected) {
      // It was there: it will most likely be back (a restart, a deploy), so no bound here.
      process.stderr.write(`redtail tail: disconnected from ${url}; reconnecting in ${delay} ms\n`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
      continue;
    }
    // Never connected: say why, and try again a bounded number of times.
    failures++;
    const why = printable(outcome.why ?? `could not connect to the collector at ${url}`);
    if (failures > retries) {
      console.error(`redtail tail: ${why}; gave up after ${failures} ${failures === 1 ? 'try' : 'tries'} (--retries N, or --retries forever, to keep trying)`);
      return 1;
    }
    const wait = Math.min(1000 * 2 ** (failures - 1), 10_000);
    const of = retries === Infinity ? '' : ` of ${retries}`;
    await countdown(wait, { program: 'redtail tail', why, left: (s) => `trying again in ${s} s (retry ${failures}${of})` }, stopping.signal);
  }
  // Stopped after it streamed: what was asked for was done. Stopped before it ever connected:
  // interrupted, as a shell reports it (128 + the signal's number), so a script sees it was not served.
  return connected || stoppedBy === undefined ? 0 : 128 + constants.signals[stoppedBy];
}
