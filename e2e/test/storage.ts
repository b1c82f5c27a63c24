// What a data folder holds, read as an auditor would: every file's raw bytes (in its subfolders
// too: the log's checkpoints), and the text of every block of every shard, decompressed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { unpackBlock } from '../../collector/src/store/codec.js';

/** Each file of the folder as bytes, and each shard's blocks as text, by name. */
export function storedTexts(dir: string): { name: string; bytes: Buffer }[] {
  const out: { name: string; bytes: Buffer }[] = [];
  for (const file of readdirSync(dir, { recursive: true }) as string[]) {
    if (!statSync(join(dir, file)).isFile()) continue;
    out.push({ name: file, bytes: readFileSync(join(dir, file)) });
    if (!/^redtail-\d{4}-\d\d-\d\d\.db$/.test(file)) continue; // a shard (the words file beside it is read as bytes)
    const db = new Database(join(dir, file), { readonly: true });
    const layout = db.pragma('user_version', { simple: true }) as number;
    const blocks = (db.prepare('SELECT data FROM blocks').pluck().all() as Buffer[]).map((b) => unpackBlock(b, layout));
    db.close();
    out.push({ name: `the blocks of ${file}`, bytes: Buffer.concat(blocks) });
  }
  return out;
}

/** The planted secrets found in the folder, as "secret in where". */
export function secretsStored(dir: string, secrets: string[]): string[] {
  const found: string[] = [];
  for (const { name, bytes } of storedTexts(dir)) for (const s of secrets) if (bytes.includes(s)) found.push(`${s} in ${name}`);
  return found;
}
