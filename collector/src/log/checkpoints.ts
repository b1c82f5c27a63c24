// Where checkpoints are kept: one signed note a file, under <data>/checkpoints/<epoch>/, named
// by the time it was signed so that names sort as times do. Each is written whole and synced
// (store/whole-file.ts), so a crash or a power cut leaves a checkpoint or none, never half of one. The folder can be
// copied out as it is to storage the collector cannot rewrite.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Checkpoint, parseCheckpoint } from './checkpoint.js';
import { openNote, type Verifier } from './note.js';
import { replaceWhole } from '../store/whole-file.js';

export const CHECKPOINTS = 'checkpoints';
/** The signed note, beside an epoch's checkpoints, that retention removed its shard (retention.ts). */
export const DELETION_FILE = 'deleted.note';
const EPOCH = /^\d{4}-\d\d-\d\d$/;
const FILE = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.checkpoint$/;

/** The epochs (days) with a checkpoint folder, oldest first; a file of such a name is none. */
export function checkpointEpochs(data: string): string[] {
  const dir = join(data, CHECKPOINTS);
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && EPOCH.test(d.name)).map((d) => d.name).sort() : [];
}

/** An epoch's checkpoint files, oldest first. */
export function checkpointFiles(data: string, epoch: string): string[] {
  return checkpointFilesIn(join(data, CHECKPOINTS, epoch));
}

/** The checkpoint files in one epoch's folder (the data folder's, or a copy of it), oldest first. */
export function checkpointFilesIn(dir: string): string[] {
  return existsSync(dir) && statSync(dir).isDirectory() ? readdirSync(dir).filter((f) => FILE.test(f)).sort().map((f) => join(dir, f)) : [];
}

/** Whether retention removed the epoch's shard, as a note beside its checkpoints says: its tree is closed for good. */
export const deletedEpoch = (data: string, epoch: string): boolean => existsSync(join(data, CHECKPOINTS, epoch, DELETION_FILE));

/** The latest epoch retention removed (the days before it are gone too), or undefined. */
export function lastDeletedEpoch(data: string): string | undefined {
  return checkpointEpochs(data).reverse().find((epoch) => deletedEpoch(data, epoch));
}

/** Keep a signed checkpoint of `epoch`, made at `time`; its file. */
export function keepCheckpoint(data: string, epoch: string, time: number, note: string): string {
  const dir = join(data, CHECKPOINTS, epoch);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, checkpointName(time));
  replaceWhole(file, note);
  return file;
}

/** A kept checkpoint, its signature checked against `verifier`; throws saying why it is not one. */
export function readCheckpoint(file: string, verifier: Verifier): Checkpoint {
  return parseCheckpoint(openNote(readFileSync(file, 'utf8'), [verifier]).text);
}

/** When a kept checkpoint was signed, as its file's name says (ms). */
export const signedAt = (file: string): number => Date.parse(basename(file).replace(/^(.{10}T\d\d)-(\d\d)-/, '$1:$2:').replace(/\.checkpoint$/, ''));

/** A kept checkpoint's file name: the time it was signed, so that names sort as times do. */
export function checkpointName(time: number): string {
  return `${new Date(time).toISOString().replace(/:/g, '-')}.checkpoint`;
}
