// Bearer tokens with scopes: who may write (ingest), read (query, tail) or do both (admin). The
// collector and the relay hold tokens to the same rules. Each token has a name, which is what the
// audit log writes for whoever used it: the token itself is never written anywhere.
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { fail } from '../config-error.js';
import { send } from './respond.js';

export type Scope = 'ingest' | 'read' | 'admin';
export const SCOPES: Scope[] = ['ingest', 'read', 'admin'];
/** A token; one without a name is named by `tokenName`. */
export type Token = { name?: string; token: string; scopes: Scope[] };

const TOKEN_NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const DEFAULT_SCOPES = 'ingest,read';

/** A token's name: its own, or for one given none a short digest of it, which does not reveal it. */
export const tokenName = (t: Token): string => t.name ?? `token-${createHash('sha256').update(t.token).digest('hex').slice(0, 8)}`;

/** "tok1:ingest,read:grafana;tok2:admin" (the REDTAIL_TOKENS form: token[:scopes[:name]]) → tokens. */
export function parseTokens(spec: string, field: string): Token[] {
  return spec.split(';').filter(Boolean).map((entry) => {
    const [token, scopes, ...name] = entry.split(':');
    return { token: token!, scopes: (scopes || DEFAULT_SCOPES).split(','), ...(name.length === 0 ? {} : { name: name.join(':') }) };
  }).map((t, i) => checkToken(t, `${field}[${i}]`));
}

/** A token as configured: long enough to guess at no better than a key, with known scopes and a name. */
export function checkToken(t: unknown, field: string): Token {
  const o = t as { name?: unknown; token?: unknown; scopes?: unknown };
  if (typeof o !== 'object' || o === null) fail(field, 'an object { "name": …, "token": …, "scopes": [...] }', t);
  if (typeof o.token !== 'string' || o.token.length < 16 || !/^[\x21-\x7e]+$/.test(o.token)) {
    fail(`${field}.token`, 'at least 16 visible ASCII characters', typeof o.token === 'string' ? `${o.token.slice(0, 4)}…` : o.token);
  }
  if (!Array.isArray(o.scopes) || o.scopes.length === 0 || !o.scopes.every((s) => SCOPES.includes(s as Scope))) {
    fail(`${field}.scopes`, `a list of ${SCOPES.join(', ')}`, o.scopes);
  }
  if (o.name !== undefined && (typeof o.name !== 'string' || !TOKEN_NAME.test(o.name))) fail(`${field}.name`, 'a name of letters, digits and . _ @ -, at most 64', o.name);
  return { ...(o.name === undefined ? {} : { name: o.name as string }), token: o.token, scopes: o.scopes as Scope[] };
}

/** Who made a request, as the audit log names them, when no tokens are configured (loopback only). */
export const ANONYMOUS = 'anonymous';
/** Who made a request with a token the collector does not know. */
export const UNKNOWN = 'unknown';

/** The answer to a request's token, with who sent it (a token's name, never the token). */
export type Verdict = { ok: true; who: string } | { ok: false; status: 401 | 403; error: string; who: string };

/** The subprotocol a WebSocket client offers to be answered with; the collector chooses it. */
export const PROTOCOL = 'redtail';
/** The subprotocol that carries a token, base64url-encoded (a subprotocol may not hold every character a token may). */
export const BEARER_PROTOCOL = 'redtail.bearer.';

/** The subprotocols a browser offers for a token: browsers cannot set headers on a WebSocket. */
export const bearerProtocols = (token: string): string[] => [PROTOCOL, `${BEARER_PROTOCOL}${Buffer.from(token).toString('base64url')}`];

/** How to send a token, as every refusal for a missing one says. */
const HOW = `send "authorization: Bearer <token>", or on a WebSocket the subprotocols "${PROTOCOL}" and "${BEARER_PROTOCOL}<the token in base64url>"`;

/**
 * The token a request carries: `authorization: Bearer`, or on a WebSocket upgrade the
 * `redtail.bearer.<base64url>` subprotocol offered with `redtail` (the one the collector answers
 * with: a client offered none it accepts would fail the handshake). Never the address: proxies and
 * browsers' histories keep addresses.
 */
function tokenOf(req: http.IncomingMessage): { token?: string; error?: string } {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer !== undefined || req.headers.upgrade === undefined) return { token: bearer };
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const carried = offered.find((p) => p.startsWith(BEARER_PROTOCOL))?.slice(BEARER_PROTOCOL.length);
  if (carried && !offered.includes(PROTOCOL)) return { error: `a token in a subprotocol is taken only with the subprotocol "${PROTOCOL}" offered too, which the collector answers with` };
  return { token: carried ? Buffer.from(carried, 'base64url').toString() : undefined };
}

export function authorize(tokens: Token[], req: http.IncomingMessage, scope: Scope, url?: URL): Verdict {
  // Refused whatever else the request carries, so that no client comes to rely on it.
  if (url?.searchParams.has('token')) return { ok: false, status: 401, error: `a token in the address is not taken (proxies log addresses): ${HOW}`, who: ANONYMOUS };
  if (tokens.length === 0) return { ok: true, who: ANONYMOUS }; // loopback only (checked at start)
  const { token: given, error } = tokenOf(req);
  if (error) return { ok: false, status: 401, error, who: ANONYMOUS };
  if (!given) return { ok: false, status: 401, error: HOW, who: ANONYMOUS };
  // Compared as digests in constant time, so response timing does not reveal a token's prefix.
  const digest = createHash('sha256').update(given).digest();
  const token = tokens.find((t) => timingSafeEqual(createHash('sha256').update(t.token).digest(), digest));
  if (!token) return { ok: false, status: 401, error: 'unknown token', who: UNKNOWN };
  if (!token.scopes.includes(scope) && !token.scopes.includes('admin')) return { ok: false, status: 403, error: `this token lacks the "${scope}" scope`, who: tokenName(token) };
  return { ok: true, who: tokenName(token) };
}

/** Answer a request its token does not allow: 401 with the Bearer challenge, or 403. */
export function deny(req: http.IncomingMessage, res: http.ServerResponse, verdict: Verdict & { ok: false }): void {
  req.resume();
  send(res, verdict.status, { error: verdict.error }, verdict.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
}
