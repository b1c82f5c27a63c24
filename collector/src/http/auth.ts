// Bearer tokens with scopes: who may write (ingest), read (query, tail) or do both (admin). The
// collector and the relay hold tokens to the same rules.
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { fail } from '../config-error.js';
import { send } from './respond.js';

export type Scope = 'ingest' | 'read' | 'admin';
export const SCOPES: Scope[] = ['ingest', 'read', 'admin'];
export type Token = { token: string; scopes: Scope[] };

/** "tok1:ingest,read;tok2:admin" (the REDTAIL_TOKENS form) → tokens. */
export function parseTokens(spec: string, field: string): Token[] {
  return spec.split(';').filter(Boolean).map((entry) => {
    const [token, scopes = 'ingest,read'] = entry.split(':');
    return { token: token!, scopes: scopes.split(',') as Scope[] };
  }).map((t, i) => checkToken(t, `${field}[${i}]`));
}

/** A token as configured: long enough to guess at no better than a key, with known scopes. */
export function checkToken(t: unknown, field: string): Token {
  const o = t as { token?: unknown; scopes?: unknown };
  if (typeof o !== 'object' || o === null) fail(field, 'an object { "token": …, "scopes": [...] }', t);
  if (typeof o.token !== 'string' || o.token.length < 16 || !/^[\x21-\x7e]+$/.test(o.token)) {
    fail(`${field}.token`, 'at least 16 visible ASCII characters', typeof o.token === 'string' ? `${o.token.slice(0, 4)}…` : o.token);
  }
  if (!Array.isArray(o.scopes) || o.scopes.length === 0 || !o.scopes.every((s) => SCOPES.includes(s as Scope))) {
    fail(`${field}.scopes`, `a list of ${SCOPES.join(', ')}`, o.scopes);
  }
  return { token: o.token, scopes: o.scopes as Scope[] };
}
export type Verdict = { ok: true } | { ok: false; status: 401 | 403; error: string };

export function authorize(tokens: Token[], req: http.IncomingMessage, scope: Scope, url?: URL): Verdict {
  if (tokens.length === 0) return { ok: true }; // loopback only (checked at start)
  // WebSocket clients in browsers cannot set headers: ?token= is accepted there.
  const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? url?.searchParams.get('token') ?? undefined;
  if (!given) return { ok: false, status: 401, error: 'send "authorization: Bearer <token>"' };
  // Compared as digests in constant time, so response timing does not reveal a token's prefix.
  const digest = createHash('sha256').update(given).digest();
  const token = tokens.find((t) => timingSafeEqual(createHash('sha256').update(t.token).digest(), digest));
  if (!token) return { ok: false, status: 401, error: 'unknown token' };
  if (!token.scopes.includes(scope) && !token.scopes.includes('admin')) return { ok: false, status: 403, error: `this token lacks the "${scope}" scope` };
  return { ok: true };
}

/** Answer a request its token does not allow: 401 with the Bearer challenge, or 403. */
export function deny(req: http.IncomingMessage, res: http.ServerResponse, verdict: Verdict & { ok: false }): void {
  req.resume();
  send(res, verdict.status, { error: verdict.error }, verdict.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
}
