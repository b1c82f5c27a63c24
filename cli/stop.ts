// A server command's end: on SIGTERM or SIGINT, log that it is stopping, close it cleanly, log
// that it stopped. Both signals, once: a second Ctrl-C during the close kills the process as usual.
import { stderrLog } from '../collector/src/index.js';

export async function runUntilSignal(close: () => Promise<void>, stopping: () => Record<string, unknown> = () => ({})): Promise<number> {
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      stderrLog({ level: 'info', event: 'stopping', signal, ...stopping() });
      void close().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  stderrLog({ level: 'info', event: 'stopped' });
  return 0;
}
