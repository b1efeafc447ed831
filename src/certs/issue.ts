// Getting a certificate with ACME HTTP-01: the CA fetches
// http://<name>/.well-known/acme-challenge/<token> for each name, and the edge
// serves those from the challenge directory, where this module writes one file
// per token for the length of the exchange. Wildcard names need DNS-01, which
// calma does not do, so they are refused before anything is asked.
import acme from 'acme-client';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isHostName } from '../config/names.js';
import { UserError } from '../errors.js';
import { exchange } from './directory.js';
import { ensureDir, replaceFile } from './files.js';
import type { CertPair } from './store.js';

export interface IssueOptions {
  domains: string[];
  /** Where the edge serves `/.well-known/acme-challenge/<token>` from (see paths.challengeDir). */
  challengeDir: string;
  /** Skip acme-client's own fetch of the challenge before telling the CA (it resolves names with the system's DNS). */
  skipChallengeVerification?: boolean;
}

/** ACME tokens are base64url (RFC 8555 §8.1); anything else must not become a file name. */
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
/** The longest subject common name X.509 allows; longer names go in the SANs only. */
const MAX_COMMON_NAME = 64;

/** A certificate for all of `domains` (one SAN each) and its new private key (ECDSA P-256). */
export async function issueCertificate(client: acme.Client, opts: IssueOptions): Promise<CertPair> {
  const domains = checkDomains(opts.domains);
  ensureDir(opts.challengeDir, 0o755);
  const first = domains[0]!;
  const [key, csr] = await acme.crypto.createCsr(
    { ...(first.length <= MAX_COMMON_NAME ? { commonName: first } : {}), altNames: domains },
    await acme.crypto.createPrivateEcdsaKey('P-256'),
  );
  const certPem = await exchange(client, `getting a certificate for ${domains.join(', ')}`, () =>
    client.auto({
      csr,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      skipChallengeVerification: opts.skipChallengeVerification === true,
      challengeCreateFn: async (authz, challenge, keyAuthorization) => {
        replaceFile(tokenFile(opts.challengeDir, authz.identifier.value, challenge), keyAuthorization, 0o644);
      },
      challengeRemoveFn: async (authz, challenge) => {
        rmSync(tokenFile(opts.challengeDir, authz.identifier.value, challenge), { force: true });
      },
    }),
  );
  return { certPem, keyPem: key.toString() };
}

/** The names, lower-cased and without repeats; wildcards and malformed names are refused. */
function checkDomains(domains: readonly string[]): string[] {
  if (domains.length === 0) throw new UserError('a certificate needs at least one domain');
  const wildcard = domains.find((d) => d.startsWith('*.'));
  if (wildcard) throw new UserError(`${wildcard}: wildcard certificates need the DNS-01 challenge, which calma does not support (only HTTP-01)`);
  const bad = domains.find((d) => !isHostName(d));
  if (bad !== undefined) throw new UserError(`invalid domain "${bad}"`);
  return [...new Set(domains.map((d) => d.toLowerCase()))];
}

function tokenFile(dir: string, domain: string, challenge: { type: string; token?: string }): string {
  if (challenge.type !== 'http-01') throw new UserError(`the CA offered no HTTP-01 challenge for ${domain} (only ${challenge.type})`);
  if (challenge.token === undefined || !TOKEN.test(challenge.token)) throw new UserError(`the CA sent an invalid challenge token for ${domain}`);
  return join(dir, challenge.token);
}
