// Flag parsing for the redtail subcommands: --name value or --name=value, with clear errors.
export class UsageError extends Error {}

/** value '' marks a switch (--json), which takes no value. */
export interface FlagSpec {
  [name: string]: { value: string; help: string };
}

/** The arguments that are not options nor their values (`redtail prove ID --out F`: ID), and the rest. */
export function positionals(argv: string[], spec: FlagSpec): { positional: string[]; flags: string[] } {
  const positional: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    flags.push(arg);
    const name = arg.slice(2);
    if (!arg.includes('=') && spec[name] !== undefined && spec[name]!.value !== '' && i + 1 < argv.length) flags.push(argv[++i]!);
  }
  return { positional, flags };
}

export function parseFlags(argv: string[], spec: FlagSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (name === 'help') {
      out.help = 'true';
      continue;
    }
    if (!(name in spec)) throw new UsageError(`unknown option --${name}; options are ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`);
    if (spec[name]!.value === '') {
      out[name] = eq >= 0 ? arg.slice(eq + 1) : 'true';
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value (${spec[name]!.value})`);
    // A repeated option keeps every value, one a line (--cluster a=… --cluster b=…).
    out[name] = name in out ? `${out[name]}\n${value}` : value;
  }
  return out;
}

export function usage(command: string, summary: string, spec: FlagSpec): string {
  const rows = Object.entries(spec).map(([k, v]) => [v.value ? `--${k} ${v.value}` : `--${k}`, v.help] as const);
  const width = Math.max(...rows.map(([a]) => a.length));
  return [`usage: redtail ${command} [options]`, '', summary, '', 'options:', ...rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`)].join('\n');
}

/**
 * The flags of a subcommand, or the exit code when there is nothing more to do: 0 after
 * printing --help, 2 after a usage error (printed with the usage).
 */
export function commandFlags(command: string, summary: string, spec: FlagSpec, argv: string[]): Record<string, string> | number {
  let flags: Record<string, string>;
  try {
    flags = parseFlags(argv, spec);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`redtail ${command}: ${err.message}\n\n${usage(command, summary, spec)}`);
    return 2;
  }
  if (flags.help) {
    console.log(usage(command, summary, spec));
    return 0;
  }
  return flags;
}
