// The ACME directory calma uses, from `calma server`'s flags: Let's Encrypt
// by default, its staging directory with --acme-staging, or any directory
// (with a CA to trust for it) with --acme-directory and --acme-ca.
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { LETS_ENCRYPT, LETS_ENCRYPT_STAGING, type AcmeSettings } from './manager.js';

export function acmeSettings(o: { acmeEmail?: string; acmeStaging?: boolean; acmeDirectory?: string; acmeCa?: string }): AcmeSettings {
  if (o.acmeStaging && o.acmeDirectory) throw new UserError('--acme-staging and --acme-directory exclude each other');
  let directoryUrl = o.acmeStaging ? LETS_ENCRYPT_STAGING : (o.acmeDirectory ?? LETS_ENCRYPT);
  try {
    directoryUrl = new URL(directoryUrl).href;
  } catch {
    throw new UserError(`--acme-directory: "${o.acmeDirectory}" is not a URL`);
  }
  if (!directoryUrl.startsWith('https://')) throw new UserError(`--acme-directory: ${directoryUrl} must be an https URL`);
  let caBundlePem: string | undefined;
  if (o.acmeCa) {
    try {
      caBundlePem = readFileSync(o.acmeCa, 'utf8');
    } catch (e) {
      throw new UserError(`--acme-ca: ${o.acmeCa} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (!caBundlePem.includes('-----BEGIN CERTIFICATE-----')) throw new UserError(`--acme-ca: ${o.acmeCa} holds no PEM certificate`);
  }
  if (o.acmeEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(o.acmeEmail)) throw new UserError(`--acme-email: "${o.acmeEmail}" is not an email address`);
  return {
    directoryUrl,
    ...(o.acmeEmail ? { email: o.acmeEmail } : {}),
    ...(caBundlePem ? { caBundlePem } : {}),
    // A private directory (tests, a company CA) validates against this host: acme-client's own pre-check through public DNS would only mislead.
    ...(directoryUrl !== LETS_ENCRYPT && directoryUrl !== LETS_ENCRYPT_STAGING ? { skipChallengeVerification: true } : {}),
  };
}
