// redtail verify-proof: a bundle made by redtail prove checked with the log's public key alone,
// no data folder: the checkpoint's signature, the record's leaf hash and its inclusion proof to
// the signed root, or the consistency of two signed checkpoints. Exit 0 only when all hold.
import { existsSync, readFileSync } from 'node:fs';
import { checkBundle, NoteError, ProofError, readVerifier } from '../collector/src/index.js';
import { commandFlags, positionals, UsageError } from './args.js';
import { printable, printableJson } from './printable.js';

const FLAGS = {
  pubkey: { value: 'FILE', help: 'the log\'s public key (required: the auditor\'s own copy of the .pub)' },
  json: { value: '', help: 'print the result as one JSON line' },
};
const SUMMARY = `redtail verify-proof BUNDLE --pubkey FILE

Checks a proof bundle from redtail prove, offline, with the log's public key only.`;

export async function verifyProofCommand(argv: string[]): Promise<number> {
  const { positional, flags: rest } = positionals(argv, FLAGS);
  const flags = commandFlags('verify-proof', SUMMARY, FLAGS, rest);
  if (typeof flags === 'number') return flags;
  if (positional.length !== 1 || flags.pubkey === undefined) {
    throw new UsageError('give one bundle file and --pubkey FILE');
  }
  const file = positional[0]!;
  if (!existsSync(file)) {
    console.error(`redtail verify-proof: ${file}: no such bundle file`);
    return 2;
  }
  let verifier;
  try {
    verifier = readVerifier(flags.pubkey);
  } catch (err) {
    if (!(err instanceof NoteError)) throw err;
    console.error(`redtail verify-proof: ${err.message}`);
    return 2;
  }
  const json = flags.json !== undefined;
  try {
    let bundle: unknown;
    try {
      bundle = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ProofError('malformed', `${file} is not JSON: ${(err as Error).message}`);
    }
    const p = checkBundle(bundle, verifier);
    if (json) {
      process.stdout.write(`${printableJson({ ok: true, ...p })}\n`);
    } else if (p.record) {
      const [h] = p.heads;
      console.log(printable(`OK   record ${p.record.request_id ?? '(no request_id)'} is leaf ${p.record.index} of ${h!.size} in ${p.epoch}, signed at ${h!.time} (root ${h!.root})`));
      console.log(printable(`     ${p.record.text}`));
    } else {
      const [o, n] = p.heads;
      console.log(`OK   ${p.epoch}: the tree of ${n!.size} records signed at ${n!.time} extends the tree of ${o!.size} signed at ${o!.time}`);
    }
    if (!json) console.error(`key ${verifier.text}`);
    return 0;
  } catch (err) {
    if (!(err instanceof ProofError)) throw err;
    if (json) process.stdout.write(`${printableJson({ ok: false, code: err.code, error: err.message })}\n`);
    else console.log(printable(`FAIL ${err.message}`));
    return 1;
  }
}
