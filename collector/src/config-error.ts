// A setting refused at start: the program, the field, what was expected and what was given, so
// the operator can fix it. The collector's config and the rules it shares with the relay (tokens,
// host names) all refuse this way.

export class ConfigError extends Error {}

/** Which program's setting it is, for the message. */
export type Program = { program?: 'collector' | 'relay' };

export function fail(field: string, expected: string, got: unknown, { program = 'collector' }: Program = {}): never {
  throw new ConfigError(`${program} config: "${field}" must be ${expected}, got ${JSON.stringify(got)}`);
}
