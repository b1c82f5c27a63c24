// A GET to the collector's API for a command that reads it: over HTTP or HTTPS (with the CAs
// given by --ca), its JSON answer, or the exit code after saying what went wrong and what to do.
import http from 'node:http';
import https from 'node:https';
import { tlsProblem } from '../collector/src/index.js';
import type { Target } from './filters.js';
import { printable } from './printable.js';

function get(target: Target, path: string): Promise<{ status: number; text: string }> {
  const url = new URL(`${target.url}${path}`);
  const options = { headers: target.headers, ...(url.protocol === 'https:' ? target.tls : {}) };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).get(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
  });
}

export async function ask<T>(command: string, target: Target, path: string): Promise<T | number> {
  const { url } = target;
  let res: { status: number; text: string };
  try {
    res = await get(target, path);
  } catch (err) {
    const tls = tlsProblem(err, url, '--ca FILE (or REDTAIL_CA)');
    console.error(`redtail ${command}: ${tls ?? `cannot reach the collector at ${url}: ${printable((err as Error).message)}`}`);
    return 1;
  }
  let body: T & { error?: string };
  try {
    body = JSON.parse(res.text) as T & { error?: string };
  } catch (err) {
    console.error(`redtail ${command}: the answer from ${url} (HTTP ${res.status}) is not the collector's JSON: ${printable((err as Error).message)}; is --url the collector?`);
    return 1;
  }
  if (res.status < 200 || res.status > 299) {
    console.error(`redtail ${command}: the collector answered ${res.status}: ${printable(String(body.error))}`);
    return 1;
  }
  return body;
}
