// A server command that cannot listen says so in one line: which port, why, and what to do
// (another value for the flag that set it), instead of Node's stack trace.

/** How the port was chosen, for the advice: `--port`, and what else may be done. */
export interface PortFlag {
  flag: string;
  also?: string;
}

/** The line for a failed listen, or undefined when err is not one. */
export function listenProblem(err: unknown, { flag, also }: PortFlag): string | undefined {
  const { code, port, address, syscall } = err as NodeJS.ErrnoException & { port?: number; address?: string };
  // A folder's EACCES (mkdir, open) is not a port's: only a listen's is said here.
  if (syscall !== 'listen' && syscall !== 'bind') return undefined;
  const where = `port ${port ?? '?'} on ${address ?? '?'}`;
  const other = `give another with ${flag} N (${flag} 0 for any free port)${also ? `, ${also}` : ''}`;
  if (code === 'EADDRINUSE') return `${where} is already in use (another redtail, or another program, listens there): stop it, or ${other}`;
  if (code === 'EACCES') return `${where} needs privileges this user lacks (ports below 1024 do): ${other}`;
  if (code === 'EADDRNOTAVAIL') return `${address ?? 'the address'} is not an address of this machine: give --host one it has (127.0.0.1, or 0.0.0.0 for all)`;
  return undefined;
}
