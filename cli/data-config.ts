// The collector's config as the commands that work on its data folder without it read it
// (prune, verify, prove, report, checkpoints, audit --data): the file, the environment and --data;
// the flags they share; and the log's public key they check with. A mistake is printed as the
// command's.
import { statSync } from 'node:fs';
import { type CollectorConfig, ConfigError, keyFileOf, loadConfig, NoteError, publicKeyFile, readVerifier, type Verifier } from '../collector/src/index.js';

/** The flags of the commands that read a data folder. */
export const DATA_FLAGS = {
  data: { value: 'DIR', help: 'the collector\'s data folder (default ./data; env REDTAIL_DATA)' },
  pubkey: { value: 'FILE', help: 'the log\'s public key (default: the .pub beside the key file; an auditor gives their own copy)' },
};

/** The config, or 2 (a usage error, printed) when it cannot be read. */
export function dataConfig(command: string, flags: Record<string, string>): CollectorConfig | 2 {
  try {
    return loadConfig({ file: flags.config, env: process.env, flags: { data: flags.data } });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`redtail ${command}: ${err.message}`);
    return 2;
  }
}

/**
 * The data folder of a command that reads one (not prune, which makes it): its absence or a file
 * in its place said in one line, or undefined when it is a folder.
 */
export function dataFolderProblem(command: string, data: string): string | undefined {
  const found = statSync(data, { throwIfNoEntry: false });
  if (found === undefined) return `redtail ${command}: no data folder at ${data} (give the collector's with --data)`;
  if (!found.isDirectory()) return `redtail ${command}: ${data} is a file, not a folder (give the collector's data folder with --data)`;
  return undefined;
}

/** The public key checkpoints are checked with: --pubkey, else the .pub beside the key file; or 2 (a usage error, printed). */
export function dataVerifier(command: string, flags: Record<string, string>, config: CollectorConfig): Verifier | 2 {
  try {
    return readVerifier(flags.pubkey ?? publicKeyFile(keyFileOf(config)));
  } catch (err) {
    if (!(err instanceof NoteError)) throw err;
    console.error(`redtail ${command}: ${err.message}`);
    return 2;
  }
}
