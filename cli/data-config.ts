// The collector's config as the commands that work on its data folder without it read it
// (prune, verify): the file, the environment and --data; a mistake printed as the command's.
import { type CollectorConfig, ConfigError, loadConfig } from '../collector/src/index.js';

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
