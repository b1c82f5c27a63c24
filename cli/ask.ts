// A GET to the collector's API for a command that reads it: over HTTP or HTTPS (with the CAs
// given by --ca), its JSON answer, or the exit code after saying what went wrong and what to do.
import http from 'node:http';
import https from 'node:https';
import { tlsProblem } from '../collector/src/index.js';
import type { Target } from './filters.js';
import { printable } from './printable.js';
import { notACollector, refusalHint, unreachable } from './reach.js';

function get(target: Target, path: string): Promise<{ status: number; type?: string; text: string }> {
  const url = new URL(`${target.url}${path}`);
  const options = { headers: target.headers, ...(url.protocol === 'https:' ? target.tls : {}) };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).get(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
  });
}

/** The collector's JSON answer, or the exit code after saying what went wrong; `scope` is the token's it needs. */
export async function ask<T>(command: string, target: Target, path: string, { scope = 'read' }: { scope?: string } = {}): Promise<T | number> {
  const { url } = target;
  let res: { status: number; type?: string; text: string };
  try {
    res = await get(target, path);
  } catch (err) {
    console.error(`redtail ${command}: ${tlsProblem(err, url, '--ca FILE (or REDTAIL_CA)') ?? unreachable(err, url)}`);
    return 1;
  }
  let body: T & { error?: string };
  try {
    body = JSON.parse(res.text) as T & { error?: string };
  } catch {
    console.error(`redtail ${command}: ${notACollector(url, res.status, res.type)}`);
    return 1;
  }
  if (res.status < 200 || res.status > 299) {
    console.error(`redtail ${command}: the collector answered ${res.status}: ${printable(String(body.error))}${refusalHint(res.status, scope)}`);
    return 1;
  }
  if (typeof body !== 'object' || body === null) {
    console.error(`redtail ${command}: ${notACollector(url, res.status, res.type)}`);
    return 1;
  }
  return body;
}
