// The redaction rules: their ids (as Microsoft Presidio and Datadog's scanner name them), what
// each rule may do, and what it does by default. Rules are numbered so the hot path indexes
// arrays instead of looking names up.

export namespace Mode {
  export const Off: u8 = 0;
  /** Replace the value with [RULE]. */
  export const Mask: u8 = 1;
  /** Keep a harmless part: a card's last four digits, an email's domain… */
  export const Partial: u8 = 2;
  /** A keyed HMAC-SHA256 pseudonym, [RULE:key_id:16 hex], stable per key. */
  export const Hmac: u8 = 3;
}

export const MODE_NAMES: string[] = ["off", "mask", "partial", "hmac"];

export namespace Rule {
  export const EMAIL_ADDRESS: i32 = 0;
  export const CREDIT_CARD: i32 = 1;
  export const US_SSN: i32 = 2;
  export const IBAN_CODE: i32 = 3;
  export const JWT: i32 = 4;
  export const BEARER_TOKEN: i32 = 5;
  export const BASIC_AUTH: i32 = 6;
  export const AWS_ACCESS_KEY: i32 = 7;
  export const AWS_SECRET_KEY: i32 = 8;
  export const GITHUB_TOKEN: i32 = 9;
  export const SLACK_TOKEN: i32 = 10;
  export const STRIPE_KEY: i32 = 11;
  export const GOOGLE_API_KEY: i32 = 12;
  export const PRIVATE_KEY: i32 = 13;
  export const IP_ADDRESS: i32 = 14;
  export const PHONE_NUMBER: i32 = 15;
  /** A header on the deny-list (authorization, cookie, …): its value never leaves the proxy. */
  export const SECRET_HEADER: i32 = 16;
  /** The value of a name that is secret (names.ts): a parameter, form field, JSON key, cookie… */
  export const SECRET_PARAM: i32 = 17;
  export const GITLAB_TOKEN: i32 = 18;
  export const NPM_TOKEN: i32 = 19;
  export const SENDGRID_KEY: i32 = 20;
  export const GOOGLE_OAUTH_TOKEN: i32 = 21;
  export const OPENAI_KEY: i32 = 22;
  export const AZURE_STORAGE_KEY: i32 = 23;
  export const COUNT: i32 = 24;
}

/** Not a rule: the tally of values cut at their field's bound, counted and summed with the rules' (written "TRUNCATED"). */
export const TRUNCATED: i32 = Rule.COUNT;
/** The tallies of a record's redactions summary: the rules', then TRUNCATED. */
export const TALLIES: i32 = Rule.COUNT + 1;

export const RULE_NAMES: string[] = [
  "EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "JWT", "BEARER_TOKEN", "BASIC_AUTH",
  "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "GITHUB_TOKEN", "SLACK_TOKEN", "STRIPE_KEY", "GOOGLE_API_KEY",
  "PRIVATE_KEY", "IP_ADDRESS", "PHONE_NUMBER", "SECRET_HEADER", "SECRET_PARAM", "GITLAB_TOKEN", "NPM_TOKEN", "SENDGRID_KEY",
  "GOOGLE_OAUTH_TOKEN", "OPENAI_KEY", "AZURE_STORAGE_KEY",
];

/** Default modes: everything masked, except IP addresses and phone numbers (off: too many false positives). */
export const DEFAULT_MODES: u8[] = [
  Mode.Mask, Mode.Mask, Mode.Mask, Mode.Mask, Mode.Mask, Mode.Mask, Mode.Mask,
  Mode.Mask, Mode.Mask, Mode.Mask, Mode.Mask, Mode.Mask, Mode.Mask,
  Mode.Mask, Mode.Off, Mode.Off, Mode.Mask, Mode.Mask,
  Mode.Mask, Mode.Mask, Mode.Mask, Mode.Mask, Mode.Mask, Mode.Mask,
];

/** Which rules have a partial form. */
export function hasPartial(rule: i32): bool {
  return rule == Rule.EMAIL_ADDRESS || rule == Rule.CREDIT_CARD || rule == Rule.US_SSN || rule == Rule.IBAN_CODE ||
    rule == Rule.IP_ADDRESS || rule == Rule.PHONE_NUMBER;
}

/** Rules that guard secrets may not be turned off: a typo must never let a credential through. */
export function mayTurnOff(rule: i32): bool {
  return rule == Rule.EMAIL_ADDRESS || rule == Rule.IP_ADDRESS || rule == Rule.PHONE_NUMBER || rule == Rule.US_SSN ||
    rule == Rule.IBAN_CODE || rule == Rule.CREDIT_CARD;
}

export function ruleIndex(name: string): i32 {
  for (let i = 0; i < RULE_NAMES.length; i++) if (RULE_NAMES[i] == name) return i;
  return -1;
}

/**
 * Headers whose values never leave the proxy, whatever the configuration says; any header named
 * like a secret (names.ts) is treated so too. Authorization keeps its scheme, cookies their names.
 */
export const DENIED_HEADERS: string[] = [
  "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token",
  "x-access-token", "x-csrf-token", "x-xsrf-token", "x-amz-security-token", "x-goog-api-key", "x-vault-token",
  "x-redtail-token",
];
