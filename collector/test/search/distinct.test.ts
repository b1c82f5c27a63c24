// The distinct words handed to FTS5 must make the same index as the whole text: for every word
// and prefix of generated texts (ASCII in any case, other scripts, separators of every kind, JSON
// escapes), the blocks found are the same whichever way the blocks were indexed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { distinctWords } from '../../src/search/distinct.js';

const PIECES = ['GET', 'get', 'Get', 'orders', 'ORDERS', '203', '0', '113', '77', '770', 'café', 'CAFÉ', 'naïve', 'Ünïcödé', '東京', 'Москва',
  'x86_64', 'a1b2', '\\u00e9', '\\n', 'émoji😀ok', 'İstanbul', 'ﬁle', 'ß', 'ǅ', '١٢٣', 'x\u00a0y', 'a\u200bb', 'v1', 'trace-id'];
const SEPARATORS = [' ', '"', '":"', ',', '/', '.', '-', '_', '=', '&', '?', '\n', '\t', '{', '}', '[', ']', ':', '\\', '@', '+', '\u00a0', '·'];

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

test('the distinct words index exactly as the whole text does', () => {
  const db = new Database(':memory:');
  const fts = (name: string) => `CREATE VIRTUAL TABLE ${name} USING fts5(text, content='', detail='none', columnsize=0, tokenize='unicode61 remove_diacritics 0')`;
  db.exec(`${fts('whole')}; ${fts('once')}`);
  const rnd = random(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const words = new Set<string>();
  for (let id = 1; id <= 200; id++) {
    let text = '';
    const n = Math.floor(rnd() * 60);
    for (let i = 0; i < n; i++) text += pick(PIECES) + (rnd() < 0.1 ? '' : pick(SEPARATORS));
    db.prepare('INSERT INTO whole (rowid, text) VALUES (?, ?)').run(id, text);
    db.prepare('INSERT INTO once (rowid, text) VALUES (?, ?)').run(id, distinctWords(Buffer.from(text)));
  }
  // Every token the index holds, read from its vocabulary.
  db.exec("CREATE VIRTUAL TABLE vocab USING fts5vocab('whole', 'row')");
  for (const t of db.prepare('SELECT term FROM vocab').pluck().all() as string[]) words.add(t);
  assert.ok(words.size > 30, `the texts make many words (${words.size})`);
  const found = (table: string, match: string) => db.prepare(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid`).pluck().all(match);
  for (const w of words) {
    const quoted = `"${w.replaceAll('"', '""')}"`;
    assert.deepEqual(found('once', quoted), found('whole', quoted), `word ${w}`);
    assert.deepEqual(found('once', `${quoted}*`), found('whole', `${quoted}*`), `prefix ${w}`);
    if (w.length > 1) {
      const prefix = `"${[...w].slice(0, 1).join('').replaceAll('"', '""')}"*`;
      assert.deepEqual(found('once', prefix), found('whole', prefix), `prefix ${prefix}`);
    }
  }
  db.close();
});

test('each word once, in order of first sight, with ASCII case folded', () => {
  assert.equal(distinctWords(Buffer.from('{"method":"GET","Method":"get","path":"/a/b?x=1&y=1"}')), 'method get path a b x 1 y ');
  assert.equal(distinctWords(Buffer.from('')), '');
  assert.equal(distinctWords(Buffer.from('...')), '');
  assert.equal(distinctWords(Buffer.from('café Café CAFÉ')), 'café cafÉ ', 'other scripts go over as written; FTS5 folds them');
  // A table growing past its first size keeps every word.
  const many = Array.from({ length: 10_000 }, (_, i) => `w${i}`);
  assert.equal(distinctWords(Buffer.from(many.join(' ') + ' ' + many.join(','))), many.map((w) => `${w} `).join(''));
});

test('text past what the module takes (2 MB) goes over whole, which FTS5 indexes the same', () => {
  const big = Buffer.from('Alpha beta '.repeat(400_000)); // 4.4 MB
  assert.equal(distinctWords(big), big.toString('utf8'));
});
