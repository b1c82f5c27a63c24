// The effective config as a digest, written in the start and stop entries so that a config
// changed between runs shows in the audit log. Tokens count by name and scopes only: the digest
// must not let anyone test a guess at a token; exporters' headers by name, and the environment
// variable a value came from, for the same reason.
import { createHash } from 'node:crypto';
import type { CollectorConfig } from '../config.js';
import { tokenName } from '../http/auth.js';

export function configDigest(config: CollectorConfig): string {
  const shown = {
    ...config,
    tokens: config.tokens.map((t) => ({ name: tokenName(t), scopes: t.scopes })),
    exporters: config.exporters.map((e) => ({ ...e, headers: e.headers.map((h) => ({ name: h.name, fromEnv: h.fromEnv })) })),
  };
  return `sha256:${createHash('sha256').update(JSON.stringify(shown)).digest('hex')}`;
}
