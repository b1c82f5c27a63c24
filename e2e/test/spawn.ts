// A child process (node running a script or the CLI) held until a line of its output shows it is
// ready, and stopped as Ctrl-C would.
import { type ChildProcess, spawn } from 'node:child_process';

/** A child process and the first line of its output that matches, as the match. */
export function spawnUntil(args: string[], pattern: RegExp, options: { cwd?: string; env?: NodeJS.ProcessEnv; stream: 'stdout' | 'stderr' }): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(pattern);
      if (m) resolve({ child, match: m, output: () => out });
    };
    child[options.stream].on('data', seen);
    child[options.stream === 'stdout' ? 'stderr' : 'stdout'].on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before it was ready:\n${out}`)));
  });
}

export const stopped = (child: ChildProcess) => new Promise<void>((r) => {
  if (child.exitCode !== null) return r();
  child.once('exit', () => r());
  child.kill('SIGINT');
});
