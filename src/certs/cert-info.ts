// What calma needs to know about a certificate: the names it covers, who
// issued it, when it is valid, and whether a key belongs to it. Parsed with
// node:crypto, so a PEM in hand is all it takes (no files, no network).
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { UserError } from '../errors.js';

export interface CertInfo {
  /** The subjectAltName DNS names, as written in the certificate. */
  names: string[];
  /** The issuer's distinguished name on one line, e.g. `C=US, O=Let's Encrypt, CN=R11`. */
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** Hexadecimal, upper case, as openssl prints it. */
  serial: string;
}

/** The facts of the first (leaf) certificate of a PEM chain. */
export function readCertInfo(pem: string): CertInfo {
  const cert = parse(pem);
  return {
    names: dnsNames(cert.subjectAltName ?? ''),
    issuer: cert.issuer.split('\n').join(', '),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    serial: cert.serialNumber,
  };
}

/** Whether the private key is the one the (leaf) certificate was made for; unparseable input is no match. */
export function keyMatchesCert(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** Whether a certificate for `names` is valid for `domain`: an exact name, or `*.x.y` for exactly one more label. */
export function covers(names: readonly string[], domain: string): boolean {
  const d = domain.toLowerCase();
  return names.some((raw) => {
    const n = raw.toLowerCase();
    if (!n.startsWith('*.')) return n === d;
    const dot = d.indexOf('.');
    return dot > 0 && d.slice(dot + 1) === n.slice(2);
  });
}

function parse(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (e) {
    throw new UserError(`not a PEM certificate: ${(e as Error).message}`);
  }
}

/**
 * The DNS entries of node's subjectAltName text (`DNS:a.test, IP Address:…`).
 * Node quotes a value as a JSON string when it holds a comma or a quote.
 */
function dnsNames(san: string): string[] {
  const names: string[] = [];
  for (const m of san.matchAll(/(?:^|, )DNS:("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const v = m[1]!;
    names.push(v.startsWith('"') ? (JSON.parse(v) as string) : v);
  }
  return names;
}
