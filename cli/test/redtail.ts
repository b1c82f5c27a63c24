// The redtail CLI as child processes, for the CLI's tests.
import { spawn } from 'node:child_process';

export const BIN = new URL('../../../bin/redtail.js', import.meta.url).pathname;

/** `redtail <args>` as a child process, to its exit: its code and what it printed. */
export function run(args: string[], { env = {} }: { env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
