// One ACME account per (directory URL, email): its key is made once and kept
// 0600 under $CALMA_HOME/certs/accounts, named by a hash of the pair, with a
// small JSON beside it saying what the key is for.
//
// Every client registers on creation. With a key the server already knows,
// new-account just returns the existing account (one request), and it also
// recovers when the server has forgotten the account (a test CA restarted),
// so there is no stale account URL to trust.
import acme from 'acme-client';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readIfExists } from '../proxy/files.js';
import { checkDirectoryUrl, exchange, rememberDirectory, trustForDirectory } from './directory.js';
import { createFileOnce, ensureDir, replaceFile } from './files.js';
import { accountsDir, certsDir } from './paths.js';

export interface AcmeClientOptions {
  directoryUrl: string;
  /** The account's contact; optional for Let's Encrypt, used for expiry notices where sent. */
  email?: string;
  /** PEM of the CA that the directory's own TLS certificate chains to (a private ACME server). */
  caBundlePem?: string;
}

export interface AccountRecord {
  directoryUrl: string;
  email: string | null;
  accountUrl: string;
}

/** The account key and record files for a (directory, email) pair. */
export function accountFiles(home: string, directoryUrl: string, email: string | undefined): { key: string; record: string } {
  // A newline between the two, so no other (directory, email) pair concatenates to the same text.
  const id = createHash('sha256').update(`${directoryUrl}\n${email ?? ''}`).digest('hex').slice(0, 16);
  const dir = accountsDir(home);
  return { key: join(dir, `${id}.key`), record: join(dir, `${id}.json`) };
}

/** A client for the directory, with its account registered (terms of service agreed). */
export async function acmeClient(home: string, opts: AcmeClientOptions): Promise<acme.Client> {
  checkDirectoryUrl(opts.directoryUrl);
  trustForDirectory(opts.directoryUrl, opts.caBundlePem);
  const files = accountFiles(home, opts.directoryUrl, opts.email);
  // Polls of a pending order start at 0.5 s (acme-client's 5 s default would add seconds to every certificate).
  const client = new acme.Client({ directoryUrl: opts.directoryUrl, accountKey: await accountKey(home, files.key), backoffMin: 500, backoffMax: 5000 });
  rememberDirectory(client, opts.directoryUrl);
  const contact = opts.email ? { contact: [`mailto:${opts.email}`] } : {};
  // An account the CA knows is only looked up: re-registering it would send an empty update, which CAs may refuse.
  await exchange(client, 'registering the ACME account', () =>
    client.createAccount({ onlyReturnExisting: true }).catch(() => client.createAccount({ termsOfServiceAgreed: true, ...contact })),
  );
  const record: AccountRecord = { directoryUrl: opts.directoryUrl, email: opts.email ?? null, accountUrl: client.getAccountUrl() };
  const text = `${JSON.stringify(record, null, 2)}\n`;
  if (readIfExists(files.record) !== text) replaceFile(files.record, text, 0o600);
  return client;
}

/** The stored account key, made (ECDSA P-256) the first time. */
async function accountKey(home: string, path: string): Promise<string> {
  const existing = readIfExists(path);
  if (existing !== null) return existing;
  ensureDir(certsDir(home), 0o700);
  ensureDir(accountsDir(home), 0o700);
  const fresh = (await acme.crypto.createPrivateEcdsaKey()).toString();
  return createFileOnce(path, fresh, 0o600);
}
