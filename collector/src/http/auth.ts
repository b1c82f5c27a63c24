// Bearer tokens with scopes: who may write (ingest), read (query, tail) or do both (admin).
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Scope } from '../config.js';
import { send } from './respond.js';

export type Token = { token: string; scopes: Scope[] };
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
