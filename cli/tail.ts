// redtail tail: a live stream of records from the collector, filtered, one line each (or NDJSON
// with --json); it reconnects on its own when the connection drops, and says so on stderr.
import WebSocket from 'ws';
import { commandFlags } from './args.js';
import { tlsProblem } from '../collector/src/index.js';
import { FILTER_FLAGS, queryString, target } from './filters.js';
import { asRecord, gapLine, isDropNotice, isNotice, noticeLine, recordLine, unreadableLine } from './format.js';
import { printable, printableJson } from './printable.js';

const SUMMARY = 'Streams records live from the collector as they are stored.';

export async function tail(argv: string[]): Promise<number> {
  const flags = commandFlags('tail', SUMMARY, FILTER_FLAGS, argv);
  if (typeof flags === 'number') return flags;
  const collector = target('tail', flags);
  if (typeof collector === 'number') return collector;
  const { url, headers } = collector;
  const wsUrl = `${url.replace(/^http/, 'ws')}/v1/tail?${queryString(flags)}`;
  const json = flags.json !== undefined && flags.json !== 'false';
  const color = !json && process.stdout.isTTY === true;
  let delay = 250;
  let stopping = false;
  let current: WebSocket | undefined;
  const stop = () => {
    stopping = true;
    current?.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopping) {
    const outcome = await new Promise<{ fatal?: string }>((resolve) => {
      const ws = new WebSocket(wsUrl, { headers, ...collector.tls });
      current = ws;
      ws.on('open', () => {
        delay = 250;
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
          else process.stdout.write(`${recordLine(m, { color })}\n`);
        }
      });
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => {
          const message = (() => { try { return (JSON.parse(body) as { error: string }).error; } catch { return body; } })();
          // A refusal (bad filter, token) will not get better by retrying.
          resolve(res.statusCode && res.statusCode < 500 ? { fatal: `the collector refused: HTTP ${res.statusCode}: ${message}` } : {});
        });
      });
      ws.on('error', (err) => {
        // A certificate refused will not get better by retrying either.
        const tls = tlsProblem(err, url, '--ca FILE (or REDTAIL_CA)');
        if (tls !== undefined) resolve({ fatal: tls });
      });
      ws.on('close', () => resolve({}));
    });
    if (outcome.fatal) {
      console.error(`redtail tail: ${printable(outcome.fatal)}`);
      return 1;
    }
    if (stopping) break;
    process.stderr.write(`redtail tail: disconnected from ${url}; reconnecting in ${delay} ms\n`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 10_000);
  }
  return 0;
}
