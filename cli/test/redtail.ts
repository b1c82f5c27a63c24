// The redtail CLI as child processes, for the CLI's tests.
import { type ChildProcess, spawn } from 'node:child_process';

export const BIN = new URL('../../../bin/redtail.js', import.meta.url).pathname;

/** `redtail <args>` as a child process, to its exit: its code and what it printed; uid runs it as that user (when this one is root). */
export function run(args: string[], { env = {}, uid }: { env?: NodeJS.ProcessEnv; uid?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, ...(uid === undefined ? {} : { uid, gid: uid }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `redtail proxy <args>` as a child process, once it listens: its URLs and what it printed so far. */
export async function proxyProcess(args: string[]): Promise<{ child: ChildProcess; proxy: string; admin: string; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, 'proxy', '--listen', '0', '--admin', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const urls = await new Promise<{ proxy: string; admin: string }>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      stderr += d;
      const m = /listening on (\S+) -> .*admin (\S+)/.exec(stderr);
      if (m) resolve({ proxy: m[1]!, admin: m[2]! });
    });
    child.once('exit', () => reject(new Error(stderr)));
  });
  return { child, ...urls, stderr: () => stderr };
}
