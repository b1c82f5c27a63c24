// Flag parsing for the redtail subcommands: --name value or --name=value, switches that mean what
// they say, and usage errors thrown as UsageError for main to print, one line and where to look.
import { closest } from './closest.js';
import { printable } from './printable.js';

/** A mistake in how a command was called: main prints it with "see: redtail help <command>" and exits 2. */
export class UsageError extends Error {}

/** value '' marks a switch (--json), which takes no value; repeatable, an option given more than once (else the last one counts). */
export interface FlagSpec {
  [name: string]: { value: string; help: string; repeatable?: boolean };
}

/** What a switch's value may be written as (--json=yes, --json=0): anything else is a usage error. */
const TRUE = ['true', 'yes', '1', 'on'];
const FALSE = ['false', 'no', '0', 'off'];

/** Whether a switch given as --name or --name=VALUE is on; a UsageError for a value a switch does not take. */
function switchOn(name: string, given: string | undefined): boolean {
  const v = given?.toLowerCase();
  if (v === undefined || TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw new UsageError(`--${name} is a switch: give it alone, or =true, =false (yes/no, 1/0), got ${JSON.stringify(given)}`);
}

/** `--name` of an argument, when it is an option (-h is --help). */
const optionName = (arg: string): string | undefined => (arg === '-h' ? 'help' : arg.startsWith('--') && arg.length > 2 ? arg.slice(2).split('=')[0] : undefined);

/** The arguments that are not options nor their values (`redtail prove ID --out F`: ID), and the rest. */
export function positionals(argv: string[], spec: FlagSpec): { positional: string[]; flags: string[] } {
  const positional: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = optionName(arg);
    if (name === undefined) {
      positional.push(arg);
      continue;
    }
    flags.push(arg);
    if (!arg.includes('=') && spec[name] !== undefined && spec[name]!.value !== '' && i + 1 < argv.length) flags.push(argv[++i]!);
  }
  return { positional, flags };
}

function unknownOption(name: string, spec: FlagSpec): UsageError {
  const names = Object.keys(spec);
  const near = closest(name.replace(/^no-/, ''), names);
  return new UsageError(`unknown option --${printable(name)}${near === undefined ? '' : `; did you mean --${near}?`}`);
}

/** The flags given: a switch present is 'true' (absent when turned off); a repeatable option keeps each value, a line each. */
export function parseFlags(argv: string[], spec: FlagSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = optionName(arg);
    if (name === undefined) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const given = eq < 0 ? undefined : arg.slice(eq + 1);
    // --help is a switch like any: --help=false is not asking for it.
    if (name === 'help') {
      if (switchOn(name, given)) out.help = 'true';
      else delete out.help;
      continue;
    }
    // --no-json: a switch turned off, as git and most tools write it.
    if (!(name in spec) && name.startsWith('no-') && spec[name.slice(3)]?.value === '') {
      if (given !== undefined) throw new UsageError(`--${name} takes no value, got ${JSON.stringify(given)}`);
      delete out[name.slice(3)];
      continue;
    }
    if (!(name in spec)) throw unknownOption(name, spec);
    if (spec[name]!.value === '') {
      if (switchOn(name, given)) out[name] = 'true';
      else delete out[name];
      continue;
    }
    // The next argument is the value, unless it is another option (`--url --json` forgot the URL).
    const next = argv[i + 1];
    const value = given ?? (next !== undefined && optionName(next) === undefined ? argv[++i] : undefined);
    if (value === undefined) throw new UsageError(`--${name} needs a value (${spec[name]!.value})`);
    out[name] = spec[name]!.repeatable && name in out ? `${out[name]}\n${value}` : value;
  }
  return out;
}

export function usage(command: string, summary: string, spec: FlagSpec): string {
  const rows = Object.entries(spec).map(([k, v]) => [v.value ? `--${k} ${v.value}` : `--${k}`, v.help] as const);
  const width = Math.max(...rows.map(([a]) => a.length));
  const aSwitch = Object.keys(spec).find((k) => spec[k]!.value === '');
  return [`usage: redtail ${command} [options]`, '', summary, '', 'options:', ...rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`),
    ...(aSwitch === undefined ? [] : ['', `A switch also takes =true or =false (yes/no, 1/0): --${aSwitch}=false, or --no-${aSwitch}.`])].join('\n');
}

/**
 * The flags of a subcommand, or 0 after printing its --help. A usage error is thrown (UsageError)
 * for main to print.
 */
export function commandFlags(command: string, summary: string, spec: FlagSpec, argv: string[]): Record<string, string> | number {
  const flags = parseFlags(argv, spec);
  if (flags.help) {
    console.log(usage(command, summary, spec));
    return 0;
  }
  return flags;
}
