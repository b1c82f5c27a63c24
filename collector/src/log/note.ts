// Signed notes (C2SP signed-note): a text and Ed25519 signature lines, the envelope of the log's
// checkpoints. Keys are written as the Go sumdb/note tools write them, so a checkpoint signed
// here opens with theirs and theirs with ours:
//   verifier  <name>+<key id, 8 hex digits>+<base64(0x01 ‖ 32-byte public key)>
//   signer    PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ 32-byte seed)>
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

const ED25519 = 0x01;
const DASH = '\u2014 ';
// DER wrappings of a raw Ed25519 key (RFC 8410), so node:crypto takes the 32 bytes the note format holds.
const SEED_DER = Buffer.from('302e020100300506032b657004220420', 'hex');
const PUBLIC_DER = Buffer.from('302a300506032b6570032100', 'hex');

/** Why a key or note was refused; `code` is stable for programs. */
export class NoteError extends Error {
  constructor(
    readonly code: 'bad_key' | 'malformed' | 'unverified' | 'bad_signature',
    message: string,
  ) {
    super(message);
  }
}

/** A public key that can check a note's signature. */
export interface Verifier {
  readonly name: string;
  /** SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], as a big-endian number. */
  readonly id: number;
  readonly publicKey: Buffer;
  /** The key as one line: name+id+base64. */
  readonly text: string;
}

/** A private key that signs notes, with the verifier that checks them. */
export interface Signer {
  readonly verifier: Verifier;
  /** The private key as one line: PRIVATE+KEY+name+id+base64. Keep it secret. */
  readonly text: string;
  sign(message: Buffer): Buffer;
}

function validName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !/[\u0000-\u001f]/.test(name);
}

function keyId(name: string, publicKey: Buffer): number {
  return createHash('sha256').update(name).update(Buffer.from([0x0a, ED25519])).update(publicKey).digest().readUInt32BE(0);
}

const hex8 = (id: number): string => id.toString(16).padStart(8, '0');

function makeVerifier(name: string, publicKey: Buffer): Verifier {
  const id = keyId(name, publicKey);
  return { name, id, publicKey, text: `${name}+${hex8(id)}+${Buffer.concat([Buffer.from([ED25519]), publicKey]).toString('base64')}` };
}

function makeSigner(name: string, key: KeyObject): Signer {
  if (key.asymmetricKeyType !== 'ed25519') throw new NoteError('bad_key', `the signing key must be ed25519, not ${key.asymmetricKeyType}`);
  const publicKey = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(PUBLIC_DER.length);
  const seed = key.export({ format: 'der', type: 'pkcs8' }).subarray(SEED_DER.length);
  const verifier = makeVerifier(name, publicKey);
  return {
    verifier,
    text: `PRIVATE+KEY+${name}+${hex8(verifier.id)}+${Buffer.concat([Buffer.from([ED25519]), seed]).toString('base64')}`,
    sign: (message) => sign(null, message, key),
  };
}

/** A new Ed25519 key named `name` (a schema-less URL is the convention: `redtail.example/audit`). */
export function generateSigner(name: string): Signer {
  if (!validName(name)) throw new NoteError('bad_key', `a key name must be non-empty, without spaces or "+": ${JSON.stringify(name)}`);
  return makeSigner(name, generateKeyPairSync('ed25519').privateKey);
}

/** Splits name+id+base64 and checks the parts: the id must be the one the name and key give. */
function parseKey(text: string, what: string): { name: string; id: number; raw: Buffer } {
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  const name = text.slice(0, first);
  const id = text.slice(first + 1, second);
  const raw = Buffer.from(text.slice(second + 1), 'base64');
  if (first <= 0 || second < 0 || !validName(name) || !/^[0-9a-f]{8}$/.test(id) || raw.toString('base64') !== text.slice(second + 1)) {
    throw new NoteError('bad_key', `not a ${what} key: expected name+8 hex digits+base64`);
  }
  if (raw.length !== 33 || raw[0] !== ED25519) throw new NoteError('bad_key', `${what} key "${name}": only Ed25519 keys (type 0x01, 32 bytes) are read`);
  return { name, id: parseInt(id, 16), raw: raw.subarray(1) };
}

/** A verifier from its one-line text; refused when its id does not match its name and key. */
export function parseVerifier(text: string): Verifier {
  const { name, id, raw } = parseKey(text.trim(), 'verifier');
  const v = makeVerifier(name, raw);
  if (v.id !== id) throw new NoteError('bad_key', `verifier key "${name}": its id ${hex8(id)} is not its key's (${hex8(v.id)})`);
  // node:crypto checks the point is on the curve.
  createPublicKey({ key: Buffer.concat([PUBLIC_DER, raw]), format: 'der', type: 'spki' });
  return v;
}

/** A signer from its one-line PRIVATE+KEY text. */
export function parseSigner(text: string): Signer {
  const trimmed = text.trim();
  if (!trimmed.startsWith('PRIVATE+KEY+')) throw new NoteError('bad_key', 'not a signer key: expected PRIVATE+KEY+name+id+base64');
  const { name, id, raw } = parseKey(trimmed.slice('PRIVATE+KEY+'.length), 'signer');
  const signer = makeSigner(name, createPrivateKey({ key: Buffer.concat([SEED_DER, raw]), format: 'der', type: 'pkcs8' }));
  if (signer.verifier.id !== id) throw new NoteError('bad_key', `signer key "${name}": its id ${hex8(id)} is not its key's`);
  return signer;
}

function checkText(text: string): void {
  if (!text.endsWith('\n')) throw new NoteError('malformed', 'a note text must end in a newline');
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) throw new NoteError('malformed', 'a note text holds no control characters but newlines');
}

/** The note: the text, a blank line, a signature line per signer. */
export function signNote(text: string, signers: readonly Signer[]): string {
  checkText(text);
  const message = Buffer.from(text);
  const lines = signers.map((s) => {
    const id = Buffer.alloc(4);
    id.writeUInt32BE(s.verifier.id);
    return `${DASH}${s.verifier.name} ${Buffer.concat([id, s.sign(message)]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/** The most signature lines a note is read with (the spec asks at least 16). */
const MAX_SIGNATURES = 100;

/** A note's text, its signatures not checked (for listing; `openNote` is what vouches for it). */
export function unsignedText(note: string): string {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('malformed', 'a signed note is a text, a blank line, then signature lines');
  return note.slice(0, split + 1);
}

/**
 * The text of a note, once a signature by one of `verifiers` checks. Signatures by other keys
 * are ignored (witnesses may add theirs); a known key's signature that fails refuses the note.
 */
export function openNote(note: string, verifiers: readonly Verifier[]): { text: string; signedBy: Verifier[] } {
  const text = unsignedText(note);
  checkText(text);
  const lines = note.slice(text.length + 1);
  if (!lines.endsWith('\n')) throw new NoteError('malformed', 'the signature lines must end in a newline');
  const signatures = lines.slice(0, -1).split('\n');
  if (signatures.length > MAX_SIGNATURES) throw new NoteError('malformed', `more than ${MAX_SIGNATURES} signatures`);
  const message = Buffer.from(text);
  const signedBy: Verifier[] = [];
  for (const line of signatures) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) throw new NoteError('malformed', `not a signature line: ${JSON.stringify(line.slice(0, 80))}`);
    const blob = Buffer.from(m[2]!, 'base64');
    if (blob.length < 5) throw new NoteError('malformed', 'a signature holds a 4-byte key id and the signature');
    const id = blob.readUInt32BE(0);
    const v = verifiers.find((k) => k.name === m[1] && k.id === id);
    if (!v) continue;
    const ok = blob.length === 68 && verify(null, message, { key: Buffer.concat([PUBLIC_DER, v.publicKey]), format: 'der', type: 'spki' }, blob.subarray(4));
    if (!ok) throw new NoteError('bad_signature', `the signature by "${v.name}" (${hex8(v.id)}) does not match the note`);
    if (!signedBy.includes(v)) signedBy.push(v);
  }
  if (signedBy.length === 0) throw new NoteError('unverified', `no signature by a known key (${verifiers.map((v) => `${v.name} ${hex8(v.id)}`).join(', ') || 'none given'})`);
  return { text, signedBy };
}
