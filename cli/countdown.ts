// The wait before trying again, said on stderr. On a terminal the reason is a line of its own and
// the count is a short line rewritten in place, cut to the terminal's width: a rewritten line that
// wraps leaves its first rows behind at every tick. Elsewhere (a log file, a pipe), one line.
import { setTimeout as sleep } from 'node:timers/promises';

/** Waits ms, or until `stop` aborts; `why` is said once, `left(s)` as the seconds go, each after `program: `. */
export async function countdown(ms: number, { program, why, left }: { program: string; why: string; left: (seconds: number) => string }, stop: AbortSignal): Promise<void> {
  const err = process.stderr;
  if (err.isTTY !== true) err.write(`${program}: ${why}; ${left(Math.ceil(ms / 1000))}\n`);
  else err.write(`${program}: ${why}\n`);
  // The last column is left free: some terminals wrap as soon as a character is written in it.
  const fit = (line: string) => line.slice(0, Math.max(1, (err.columns ?? 80) - 1));
  try {
    for (let rest = ms; rest > 0 && !stop.aborted; rest -= 1000) {
      if (err.isTTY === true) err.write(`\r\x1b[K${fit(`${program}: ${left(Math.ceil(rest / 1000))}`)}`);
      await sleep(Math.min(1000, rest), undefined, { signal: stop });
    }
  } catch {
    // Aborted: the command is stopping.
  } finally {
    if (err.isTTY === true) err.write('\r\x1b[K');
  }
}
