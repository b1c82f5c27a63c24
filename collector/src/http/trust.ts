// Reaching a collector over TLS (the CLI, the relay; an exporter its receiver): which CAs its certificate may be signed by,
// and what a refused certificate means, said so the operator knows what to do. Verification is
// always on: a CA file adds to the CAs Node trusts by default, it never turns the check off.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { ConfigError } from '../config-error.js';

/**
 * The `ca` option for https and ws: Node's default CAs plus the bundle in the file given by --ca
 * (`given.flag`), else by REDTAIL_CA (`given.env`); neither: the defaults alone.
 */
export function trustedCas(given: { flag: string | undefined; env: string | undefined }, { program }: { program: string }): { ca?: string[] } {
  const caFile = given.flag ?? given.env;
  const flag = given.flag !== undefined ? '--ca' : 'REDTAIL_CA';
  if (caFile === undefined || caFile === '') return {};
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new ConfigError(`${program}: cannot read the CA file ${caFile} (${flag}): ${(err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`${program}: ${caFile} (${flag}) holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`);
  return { ca: [...rootCertificates, pem] };
}

/** Certificate checks that fail because no trusted CA signed the chain. */
const UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED']);

/**
 * What a failed connection to `url` means when TLS is the cause, with what to do (`flag` names the
 * CA option of the program, `peer` what is at the URL); undefined for any other failure. Looks
 * through fetch's `cause`.
 */
export function tlsProblem(err: unknown, url: string, flag: string, peer = 'the collector'): string | undefined {
  const e = err as { code?: string; message?: string; cert?: { subjectaltname?: string }; cause?: unknown } | undefined;
  if (e === undefined || e === null) return undefined;
  const code = e.code ?? '';
  if (UNTRUSTED.has(code)) return `${peer}'s certificate is not trusted (${code}): pass ${flag} with the CA that signed it`;
  if (code === 'CERT_HAS_EXPIRED') return `${peer}'s certificate has expired (CERT_HAS_EXPIRED): it must be renewed (or a clock is wrong)`;
  if (code === 'CERT_NOT_YET_VALID') return `${peer}'s certificate is not valid yet (CERT_NOT_YET_VALID): a clock is wrong, here or where it was issued`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = e.cert?.subjectaltname ?? 'no names';
    return `${peer}'s certificate is not for ${new URL(url).hostname} (it lists ${names}): reach it by a name the certificate lists, or issue one for this name`;
  }
  // A plain HTTP server's answer read as TLS: OpenSSL finds no TLS record in it.
  if (code === 'EPROTO' && /wrong version number|packet length too long/.test(e.message ?? '')) {
    return `${new URL(url).host} does not speak TLS: use http://${peer === 'the collector' ? ' or ws://, or serve TLS there with --tls-cert and --tls-key' : ''}`;
  }
  return e.cause === undefined ? undefined : tlsProblem(e.cause, url, flag, peer);
}
