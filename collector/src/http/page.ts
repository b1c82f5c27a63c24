// The web page (GET /): search and live tail in a browser, over the same /v1/logs and /v1/tail
// as the CLI. Three static files read once at start; a strict Content-Security-Policy, so even a
// page bug could not run script that arrived inside a record.
import { readFileSync } from 'node:fs';
import type http from 'node:http';

const DIR = new URL('../../../../collector/web/', import.meta.url);
const FILES: Record<string, string> = { '/': 'index.html', '/app.js': 'app.js', '/app.css': 'app.css' };
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
const POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const pages = new Map<string, { type: string; body: Buffer }>();
for (const [path, file] of Object.entries(FILES)) {
  pages.set(path, { type: TYPES[file.slice(file.lastIndexOf('.') + 1)]!, body: readFileSync(new URL(file, DIR)) });
}

/** Answer a GET for the page or one of its files; false when the path is not one of them. */
export function servePage(path: string, res: http.ServerResponse): boolean {
  const page = pages.get(path);
  if (page === undefined) return false;
  res.writeHead(200, {
    'content-type': page.type, 'content-length': page.body.length, 'content-security-policy': POLICY,
    'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache',
  });
  res.end(page.body);
  return true;
}
