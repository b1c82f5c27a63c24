// The effective config as a digest, written in the start and stop entries so that a config
// changed between runs shows in the audit log. Tokens count by name and scopes only: the digest
// must not let anyone test a guess at a token.
import { createHash } from 'node:crypto';
import type { CollectorConfig } from '../config.js';
import { tokenName } from '../http/auth.js';

export function configDigest(config: CollectorConfig): string {
  const shown = { ...config, tokens: config.tokens.map((t) => ({ name: tokenName(t), scopes: t.scopes })) };
  return `sha256:${createHash('sha256').update(JSON.stringify(shown)).digest('hex')}`;
}
