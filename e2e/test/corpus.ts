// A corpus of requests carrying secrets in every place a request or its echoed response can carry
// them, nested and encoded as real services do, with fresh random secrets from a seed; and
// look-alikes that are not secrets, which must be kept. The redaction test sends it through
// `redtail proxy` to an echoing upstream (scripts/demo.js) and a real collector.

export interface Case {
  /** What the case is, for failure messages. */
  place: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Corpus {
  cases: Case[];
  /** Every planted secret: none may be found in the API's answers or the data folder. */
  secrets: string[];
  /** Every look-alike: each must be found in the API's answers. */
  kept: string[];
}

/** Names that hold a secret word, as services spell them (the issue's list and more). */
export const SECRET_NAMES = [
  'auth_token', 'authToken', 'accessToken', 'refreshToken', 'sessionToken', 'oauth_token', 'client-secret', 'clientSecret', 'api-key',
  'secret_key', 'privateKey', 'passphrase', 'new_password', 'password_confirmation', 'current_password', 'credential', 'credentials',
  'card_number', 'cvv2', 'jsessionid', 'PHPSESSID', 'user[password]', 'X-Goog-Signature', 'AWSAccessKeyId', 'Signature', 'sig',
  'token', 'access_token', 'password', 'api_key', 'code', 'session_state',
];

/** Headers an allow-list may hold that carry credentials by their names. */
export const CREDENTIAL_HEADERS = ['private-token', 'x-gitlab-token', 'x-shopify-access-token', 'x-auth-key', 'x-client-secret', 'x-password',
  'api-token', 'x-token'];

/** A generator of random values from a seed (xorshift32). */
class Random {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0 || 1;
  }
  int(n: number): number {
    this.x ^= this.x << 13;
    this.x ^= this.x >>> 17;
    this.x ^= this.x << 5;
    return (this.x >>> 0) % n;
  }
  of(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64 = `${ALNUM}+/`;

function luhnDigit(digits: string): number {
  let sum = 0;
  for (let k = 0; k < digits.length; k++) {
    let d = Number(digits[digits.length - 1 - k]);
    if (k % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

function ibanOf(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rem = 0;
  for (const ch of rearranged) rem = (rem * 10 + Number(ch)) % 97;
  return `${country}${String(98 - rem).padStart(2, '0')}${bban}`;
}

const b64url = (s: string) => Buffer.from(s).toString('base64url');

export function corpus(seed: number): Corpus {
  const r = new Random(seed);
  const secrets: string[] = [];
  const kept: string[] = [];
  const cases: Case[] = [];
  /** A fresh secret, recorded: letters and digits only, so no encoding changes it. */
  const secret = (n = 16) => {
    const s = `${r.of('ABCDEFGHJKLMNPQRSTUVWXYZ', 2)}${r.of(ALNUM, n - 2)}`;
    secrets.push(s);
    return s;
  };
  const planted = (s: string) => {
    secrets.push(s);
    return s;
  };
  const card = () => {
    const body = `4${r.of('0123456789', 14)}`;
    return planted(`${body}${luhnDigit(body)}`);
  };
  const email = () => planted(`${r.of('abcdefghijklmnopqrstuvwxyz', 8)}.${r.of('abcdefghijklmnopqrstuvwxyz', 5)}@${r.of('abcdefghijklmnopqrstuvwxyz', 6)}.example.com`);
  // The token is secret; its subject is who called, and is kept (as unverified_jwt_subject).
  const jwt = () => planted(`eyJhbGciOiJIUzI1NiJ9.${b64url(JSON.stringify({ sub: `user-${r.int(1e6)}`, n: r.int(1e9) }))}.${r.of(ALNUM, 32)}`);
  const add = (place: string, c: Partial<Case> & { path?: string }) =>
    cases.push({ place, method: c.body === undefined ? 'GET' : 'POST', path: c.path ?? `/anything/${cases.length}`, headers: c.headers ?? {}, body: c.body });
  const json = (place: string, body: unknown) => add(place, { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = (place: string, body: string) => add(place, { headers: { 'content-type': 'text/plain' }, body });
  const form = (place: string, body: string) => add(place, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

  // Places the filter handled before: path, query, headers, bodies of each type.
  add('path and query', { path: `/users/${encodeURIComponent(email())}/cards?card=${card()}&token=${secret()}&next=%2Fhome` });
  add('authorization, cookie, x-api-key, referer with credentials, user-agent', {
    headers: {
      authorization: `Bearer ${jwt()}`, cookie: `sid=${secret()}; theme=dark`, 'x-api-key': secret(),
      referer: `https://admin:${secret()}@portal.example/back?otp=${secret(6)}`, 'user-agent': `agent ghp_${r.of(ALNUM, 36)}`,
    },
  });
  secrets.push((cases.at(-1)!.headers['user-agent'] as string).slice(6));
  json('JSON body with personal data and keys', {
    user: email(), card: card(), ssn: planted(`${100 + r.int(500)}-${10 + r.int(80)}-${1000 + r.int(8999)}`),
    iban: planted(ibanOf('GB', `WEST${r.of('0123456789', 14)}`)), note: `key AKIA${planted(r.of(UPPER_DIGITS, 16))} ${planted(`${r.of(B64, 20)}Ab9${r.of(B64, 17)}`)}`,
  });
  form('form body', `name=carol&password=${secret()}&card=${encodeURIComponent(card().replace(/(\d{4})/g, '$1 ').trim())}`);
  add('response headers set by the upstream', { path: `/response-headers?set-cookie=${encodeURIComponent(`sid=${secret()}; Path=/; HttpOnly`)}&x-account=${planted(ibanOf('DE', r.of('0123456789', 18)))}` });

  // The issue's places: URLs inside JSON strings, plain and percent-encoded inside another URL.
  json('a URL inside a JSON string', { callback: `https://cb.example/hook?token=${secret()}&page=2` });
  json('a percent-encoded URL inside a URL inside a JSON string', { next: `/login?redirect=${encodeURIComponent(`https://app/done?access_token=${secret()}`)}` });
  add('a percent-encoded URL in the query', { path: `/login?redirect=${encodeURIComponent(`https://app/done?access_token=${secret()}&x=1`)}` });
  // Form text and JSON text inside a JSON string, as an echoing upstream writes them (it does for every body too).
  json('form text inside a JSON string', { data: `user=ann&password=${secret()}` });
  json('JSON text inside a JSON string', { data: JSON.stringify({ password: secret(), deeper: JSON.stringify({ apiKey: secret() }) }) });
  text('key: value lines in text/plain', `user: ann\npassword: ${secret()}\napi_key=${secret()}\nAuthorization: Basic ${secret()}\n`);
  json('percent-encoded in a body', { email: encodeURIComponent(email()), card: encodeURIComponent(card()) });
  add('request headers echoed back as JSON keys', { headers: { cookie: `sid=${secret()}`, 'x-api-key': secret(), 'proxy-authorization': `Basic ${secret()}` } });
  // Secret names outside the old list, in the query, the referer, form fields and JSON keys.
  for (const name of SECRET_NAMES) {
    const v = () => secret();
    add(`the name ${name} in the query and the referer`, { path: `/n?${encodeURIComponent(name)}=${v()}&page=1`, headers: { referer: `https://app.example/p?${encodeURIComponent(name)}=${v()}` } });
    form(`the name ${name} as a form field`, `${encodeURIComponent(name)}=${v()}&page=1`);
    json(`the name ${name} as a JSON key`, { [name]: v(), page: 1 });
  }
  add('a ;jsessionid= path parameter', { path: `/shop;jsessionid=${secret()}/cart` });
  add('user%5Bpassword%5D in the query', { path: `/signup?user%5Bname%5D=ann&user%5Bpassword%5D=${secret()}` });
  // Values shaped as arrays or objects, after a line break.
  json('a secret value as an array', `{"password": ["${secret()}", "${secret()}"], "user": "ann"}`);
  json('a secret value as an object', `{"credentials": {"user": "${secret()}", "secret": "${secret()}"}}`);
  json('a secret value after a line break', `{"password":\n  "${secret()}"}`);
  // Token formats and near variants.
  text('token formats in a text body', [
    `glpat-${planted(r.of(ALNUM, 20))}`, `npm_${planted(r.of(ALNUM, 36))}`, `SG.${planted(r.of(ALNUM, 22))}.${planted(r.of(ALNUM, 43))}`,
    `ya29.${planted(r.of(ALNUM, 40))}`, `sk-proj-${planted(`Ab1${r.of(ALNUM, 45)}`)}`, `sk-${planted(`Xy9${r.of(ALNUM, 45)}`)}`,
    planted(`${r.of(ALNUM, 80)}Ab1+/9==`.slice(-88)), `-----BEGIN PGP PRIVATE KEY BLOCK-----\n${planted(r.of(ALNUM, 64))}\n-----END PGP PRIVATE KEY BLOCK-----`,
    planted(ibanOf('GB', `WEST${r.of('0123456789', 14)}`).toLowerCase()), planted(card().replace(/(\d{4})(?=\d)/g, '$1.')), `${email()}-next`,
  ].join(' ; '));
  // A card the body excerpt's limit (16 KiB in the test's configuration) cuts after its third group.
  const cut = card();
  text('a card number cut by the excerpt limit', `${'filler '.repeat(2338)}pay ${cut.slice(0, 4)} ${cut.slice(4, 8)} ${cut.slice(8, 12)} ${cut.slice(12)}`);
  secrets.push(`pay ${cut.slice(0, 4)}`, `${cut.slice(0, 4)} ${cut.slice(4, 8)}`);
  // Allow-listed headers named like credentials; session_state in a Location URL.
  add('headers named like credentials', { headers: Object.fromEntries(CREDENTIAL_HEADERS.map((h) => [h, secret()])) });
  add('session_state in a redirect', { path: `/redirect-to?url=${encodeURIComponent(`https://app.example/cb?code=${secret()}&session_state=${secret()}&state=ok`)}` });

  // Look-alikes that are not secrets: kept.
  const orderId = (() => {
    const body = `4${r.of('0123456789', 14)}`;
    return `${body}${(luhnDigit(body) + 1) % 10}`;
  })();
  const uuid = [8, 4, 4, 4, 12].map((n) => r.of('0123456789abcdef', n)).join('-');
  const version = `v${1 + r.int(9)}.${r.int(20)}.${r.int(30)}`;
  kept.push(orderId, uuid, version, 'monkey: 3', 'author', 'Ann Author', '"token_type": "Bearer"', '"expires_in": 3600');
  json('look-alikes', `{"order_id": "${orderId}", "request_uuid": "${uuid}", "version": "${version}", "author": "Ann Author", "token_type": "Bearer", "expires_in": 3600}`);
  text('look-alikes in text', `monkey: 3\nauthor: Ann Author\norder ${orderId}\n`);
  return { cases, secrets, kept };
}
