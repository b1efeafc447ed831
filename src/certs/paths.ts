// Where certificates and ACME files live under $CALMA_HOME. One place, so the
// store, the issuer and the edge (which serves challenge files and points
// nginx at the PEMs) can never disagree.
import { join } from 'node:path';
import { checkAppEnv } from '../runtime/names.js';

/** Every certificate, key and ACME account calma keeps (0700: private keys live here). */
export function certsDir(home: string): string {
  return join(home, 'certs');
}

/** One environment's certificate and key. The names are validated: they become path components. */
export function envCertDir(home: string, app: string, env: string): string {
  checkAppEnv(app, env);
  return join(certsDir(home), app, env);
}

/** ACME account keys, one per (directory URL, email). */
export function accountsDir(home: string): string {
  return join(certsDir(home), 'accounts');
}

/**
 * HTTP-01 answers, one file per token. The edge serves
 * `/.well-known/acme-challenge/<token>` from here, so the directory is 0755 and
 * its files 0644: nginx's workers run as nobody.
 */
export function challengeDir(home: string): string {
  return join(home, 'edge', 'acme-challenge');
}
