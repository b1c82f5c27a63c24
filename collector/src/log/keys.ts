// The log's signing key: read from its file, or made on first start. The private key stays in
// its file (mode 0600); the verifier key is written beside it (`<file>.pub`) for auditors, who
// check checkpoints with it alone.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { replaceWhole } from '../store/whole-file.js';
import { generateSigner, NoteError, parseSigner, parseVerifier, type Signer, type Verifier } from './note.js';

export interface LoadedKey {
  signer: Signer;
  /** Whether the key was made now (the caller says so, with the verifier key, once). */
  created: boolean;
}

/** The signing key's file: log.key_file, else log.key in the data folder. */
export const keyFileOf = ({ data, log }: { data: string; log: { keyFile?: string } }): string => log.keyFile ?? join(data, 'log.key');

/** The verifier key file written beside a signing key file. */
export const publicKeyFile = (keyFile: string): string => `${keyFile}.pub`;

/**
 * The signer in `keyFile`, or a new one named `name` written there when the file does not
 * exist. A file that exists but does not hold a signer key is an error, never replaced: a key
 * lost is evidence lost.
 */
export function loadOrCreateKey(keyFile: string, name: string): LoadedKey {
  if (existsSync(keyFile)) {
    let signer: Signer;
    try {
      signer = parseSigner(readFileSync(keyFile, 'utf8'));
    } catch (e) {
      const why = e instanceof NoteError ? e.message : String(e);
      throw new NoteError('bad_key', `${keyFile}: ${why}; restore the log's key file, or move it away to start a new log with a new key`);
    }
    // The public file is for others; a missing one is written again from the private key.
    if (!existsSync(publicKeyFile(keyFile))) replaceWhole(publicKeyFile(keyFile), `${signer.verifier.text}\n`);
    return { signer, created: false };
  }
  const signer = generateSigner(name);
  mkdirSync(dirname(keyFile), { recursive: true });
  // Written whole or not at all: a crash mid-write must not leave half a key to be refused next start.
  replaceWhole(keyFile, `${signer.text}\n`, { mode: 0o600 });
  replaceWhole(publicKeyFile(keyFile), `${signer.verifier.text}\n`);
  return { signer, created: true };
}

/**
 * Whether the signing key sits inside the data folder (the default): whoever can rewrite the
 * records there can then re-sign them, and verify would find nothing wrong.
 */
export function keyInsideData(keyFile: string, data: string): boolean {
  const path = relative(data, keyFile);
  return path !== '' && !path.startsWith('..') && !isAbsolute(path);
}

/** A verifier key from a file holding its one line (as `<key file>.pub` does). */
export function readVerifier(file: string): Verifier {
  try {
    return parseVerifier(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = e instanceof NoteError ? e.message : String(e);
    throw new NoteError('bad_key', `${file}: ${why}; give the log's public key file (the .pub beside its key)`);
  }
}
