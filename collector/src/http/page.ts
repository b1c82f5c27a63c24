// The web page (GET /): search and live tail in a browser, over the same /v1/logs and /v1/tail
// as the CLI. The files of collector/web/, read once at start; a strict Content-Security-Policy,
// so even a page bug could not run script that arrived inside a record.
import { readdirSync, readFileSync } from 'node:fs';
import type http from 'node:http';

const DIR = new URL('../../../../collector/web/', import.meta.url);
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml',
};
/** Paths answered with another file: the page itself, and the icon browsers ask for by name. */
const ALIASES: Record<string, string> = { '/': '/index.html', '/favicon.ico': '/favicon.svg' };
const POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const pages = new Map<string, { type: string; body: Buffer }>();
for (const file of readdirSync(DIR)) {
  const type = TYPES[file.slice(file.lastIndexOf('.') + 1)];
  if (type !== undefined) pages.set(`/${file}`, { type, body: readFileSync(new URL(file, DIR)) });
}

/** Answer a GET for the page or one of its files; false when the path is not one of them. */
export function servePage(path: string, res: http.ServerResponse): boolean {
  const page = pages.get(ALIASES[path] ?? path);
  if (page === undefined) return false;
  res.writeHead(200, {
    'content-type': page.type, 'content-length': page.body.length, 'content-security-policy': POLICY,
    'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache',
  });
  res.end(page.body);
  return true;
}
