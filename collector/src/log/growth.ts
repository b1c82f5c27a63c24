// One epoch's tree, grown behind ingest: the shard's blocks in id order, each record a leaf
// (leaves.ts). Its frontier (size, peaks, the last block in it) lives in the shard's words file,
// written in the transaction that indexes those blocks' words, so the tree and what it covers
// never disagree after a crash, and a restart goes on from where it stopped, never counting a
// block twice.
import type Database from 'better-sqlite3';
import { blockLeaves } from './leaves.js';
import { Frontier, type Hash } from './tree.js';

/**
 * The tables, in the schema the words file is opened (main) or attached (w) as: the frontier,
 * and the root at each block's end, which is every size a checkpoint can sign (the tree grows a
 * block at a time), so the signer can tell a tree grown again extends what it signed.
 */
export const treeSchema = (schema: string): string => `
CREATE TABLE IF NOT EXISTS ${schema}.log_tree (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, peaks BLOB NOT NULL, up_to INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ${schema}.log_roots (size INTEGER PRIMARY KEY, root BLOB NOT NULL);
`;

/** A tree as it stands: its size, root, and the last block it holds. */
export interface TreeHead {
  size: number;
  root: Hash;
  upTo: number;
}

function frontierOf(row: { size: number; peaks: Buffer } | undefined): Frontier {
  if (row === undefined) return Frontier.empty();
  const peaks: Hash[] = [];
  for (let at = 0; at < row.peaks.length; at += 32) peaks.push(row.peaks.subarray(at, at + 32));
  return Frontier.of(row.size, peaks);
}

type Row = { size: number; peaks: Buffer; up_to: number } | undefined;

// A words file the tree has not reached yet holds no table of it.
const hasTable = (db: Database.Database, schema: string, table: string): boolean =>
  db.prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE name = ?`).get(table) !== undefined;

function readRow(db: Database.Database, schema = 'main'): Row {
  if (!hasTable(db, schema, 'log_tree')) return undefined;
  return db.prepare(`SELECT size, peaks, up_to FROM ${schema}.log_tree WHERE id = 1`).get() as Row;
}

/** The tree's root when it held `size` records, if a block ended there. */
export function readRootAt(db: Database.Database, size: number, schema = 'main'): Hash | undefined {
  if (!hasTable(db, schema, 'log_roots')) return undefined;
  return db.prepare(`SELECT root FROM ${schema}.log_roots WHERE size = ?`).pluck().get(size) as Hash | undefined;
}

/** The head of the tree in a words file, opened (main) or attached (as a shard attaches it: w); the empty tree's when there is none yet. */
export function readHead(db: Database.Database, schema = 'main'): TreeHead {
  const row = readRow(db, schema);
  return { size: row?.size ?? 0, root: frontierOf(row).root(), upTo: row?.up_to ?? 0 };
}

/** The tree of one shard, grown a block at a time inside the words file's transactions. */
export class TreeGrowth {
  private frontier = Frontier.empty();
  private readonly save: Database.Statement;
  private readonly saveRoot: Database.Statement;
  /** The last block in the tree. */
  upTo = 0;

  constructor(private readonly words: Database.Database) {
    words.exec(treeSchema('main'));
    this.save = words.prepare('INSERT OR REPLACE INTO log_tree (id, size, peaks, up_to) VALUES (1, ?, ?, ?)');
    this.saveRoot = words.prepare('INSERT OR REPLACE INTO log_roots (size, root) VALUES (?, ?)');
    this.reload();
    const { size } = this.frontier;
    const kept = readRootAt(words, size);
    // A tree grown before its roots were kept: the one it stands at is where its checkpoints are.
    if (size > 0 && kept === undefined) this.saveRoot.run(size, this.frontier.root());
    // A frontier that is not the tree its roots say (the file edited): none of them may vouch
    // that a larger tree grown from it extends a signed one.
    if (kept !== undefined && !kept.equals(this.frontier.root())) words.exec('DELETE FROM log_roots');
    words.prepare('DELETE FROM log_roots WHERE size > ?').run(size);
  }

  /** The tree as the file has it: after a transaction rolled back, what was appended in it is forgotten. */
  reload(): void {
    const row = readRow(this.words);
    this.frontier = frontierOf(row);
    this.upTo = row?.up_to ?? 0;
  }

  /**
   * Block `id`'s records as leaves; `text` undefined for a block that cannot be read, which adds
   * none (verify reports that block). Call inside the words file's transaction.
   */
  append(id: number, text: Uint8Array | undefined): void {
    if (text !== undefined) for (const leaf of blockLeaves(text)) this.frontier.append(leaf);
    this.upTo = id;
    this.save.run(this.frontier.size, Buffer.concat(this.frontier.peaks), id);
    this.saveRoot.run(this.frontier.size, this.frontier.root());
  }
}
