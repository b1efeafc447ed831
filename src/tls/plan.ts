// What to do about one environment's certificate, decided from facts alone:
// whether it wants HTTPS, its names, what calma has, and the time. Pure, so
// every rule (renewal, backoff, custom certificates win, names a public CA
// cannot validate) is pinned by a unit test; the manager acts on the answer.
import { covers } from '../certs/cert-info.js';
import type { CertRow } from '../state/certs.js';

export type CertAction =
  | { kind: 'none'; why: string }
  | { kind: 'keep'; until: Date }
  | { kind: 'wait'; until: Date }
  | { kind: 'refuse'; why: string }
  | { kind: 'issue'; reason: 'missing' | 'names changed' | 'renewal' | 'retry' | 'asked for' };

/** Names no public CA will ever validate: with the default (public) directory they stay on HTTP. */
const NOT_PUBLIC = /(^|\.)(localhost|test|example|invalid|local|internal)$/i;

export function coversAll(names: readonly string[], domains: readonly string[]): boolean {
  return domains.every((d) => covers(names, d));
}

export function planCert(i: {
  https: boolean;
  domains: readonly string[];
  publicDirectory: boolean;
  row: CertRow | undefined;
  /** When the certificate in place is due for renewal. */
  renewAt: Date | undefined;
  now: Date;
  /** `calma certs renew`: now, whatever the renewal date or the backoff. */
  force?: boolean;
}): CertAction {
  if (!i.https) return { kind: 'none', why: 'https: false' };
  if (i.domains.length === 0) return { kind: 'none', why: 'no domains' };
  if (i.row?.source === 'custom') return { kind: 'keep', until: new Date(i.row.notAfter ?? 0) };
  const wildcard = i.domains.find((d) => d.startsWith('*.'));
  if (wildcard) return { kind: 'refuse', why: `${wildcard} is a wildcard name: it needs a DNS-01 challenge, which calma does not do; add a certificate with calma certs add, or list the names` };
  if (i.publicDirectory) {
    const local = i.domains.find((d) => NOT_PUBLIC.test(d));
    if (local) return { kind: 'none', why: `${local} is not a public name: no public CA can validate it (served over HTTP)` };
  }
  if (i.force) return { kind: 'issue', reason: 'asked for' };
  const has = i.row?.notAfter ? i.row : undefined;
  if (has && coversAll(has.names, i.domains) && i.renewAt && i.now < i.renewAt) return { kind: 'keep', until: i.renewAt };
  if (i.row?.nextAttemptAt && i.now < new Date(i.row.nextAttemptAt)) return { kind: 'wait', until: new Date(i.row.nextAttemptAt) };
  if (!has) return { kind: 'issue', reason: i.row?.failures ? 'retry' : 'missing' };
  return { kind: 'issue', reason: coversAll(has.names, i.domains) ? 'renewal' : 'names changed' };
}
