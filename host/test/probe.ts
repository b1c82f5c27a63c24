// Test-side helpers for the probe guest (guests/probe.ts): start it on a host that keeps its
// logs, and read back what each command answered.
import { Host, type HostOptions, type LogEntry, type PluginOptions } from '../src/index.js';

export const GUEST_DIR = new URL('../../../build/guests/', import.meta.url);

export function guestPath(name: string): string {
  return new URL(`${name}.wasm`, GUEST_DIR).pathname;
}

export interface Probe {
  host: Host;
  logs: LogEntry[];
  /** Every line the module logged, in order. */
  lines(): string[];
  /** What "<command> => status result" said, for the n-th run of that command (default: the last). */
  answer(command: string, nth?: number): { status: number; result: string };
}

export function probeHost(options: HostOptions = {}): Probe {
  const logs: LogEntry[] = [];
  const host = new Host({ logLevel: 'trace', onLog: (e) => logs.push(e), ...options });
  return {
    host,
    logs,
    lines: () => logs.filter((e) => e.source === 'wasm').map((e) => e.message),
    answer(command: string, nth = -1) {
      const found = logs.filter((e) => e.message.startsWith(`${command} => `));
      const line = found.at(nth);
      if (!line) throw new Error(`the probe never ran "${command}"; it logged:\n${logs.map((e) => e.message).join('\n')}`);
      const [status, ...rest] = line.message.slice(command.length + 4).split(' ');
      return { status: Number(status), result: rest.join(' ') };
    },
  };
}

export async function startProbe(configuration = '', options: PluginOptions & { host?: HostOptions } = {}) {
  const probe = probeHost(options.host);
  const module = await probe.host.load(guestPath('probe'));
  const plugin = probe.host.startPlugin(module, { configuration, ...options });
  return { ...probe, module, plugin };
}

export const hex = (s: string | Uint8Array) => Buffer.from(s).toString('hex');

export const GET = { ':method': 'GET', ':path': '/', ':authority': 'example.com', ':scheme': 'http' };
