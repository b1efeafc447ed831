// An environment's certificate on disk: `cert.pem` (the chain, leaf first)
// and `key.pem`, both 0600 in a 0700 directory. nginx's master runs as root
// and reads them before dropping privileges, so nobody else ever needs to.
// Each file is replaced atomically; the key is written before the chain, and
// a pair left half-replaced by a crash (new key, old chain) reads as no
// certificate at all, so it is simply issued again.
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readIfExists } from '../proxy/files.js';
import { keyMatchesCert } from './cert-info.js';
import { ensureDir, replaceFile } from './files.js';
import { certsDir, envCertDir } from './paths.js';

export interface CertPaths {
  cert: string;
  key: string;
}

export interface CertPair {
  certPem: string;
  keyPem: string;
}

export function certPaths(home: string, app: string, env: string): CertPaths {
  const dir = envCertDir(home, app, env);
  return { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}

/** Puts the pair in place (replacing any previous one) and returns where it is. */
export function writeCert(home: string, app: string, env: string, pair: CertPair): CertPaths {
  const paths = certPaths(home, app, env);
  ensureDir(certsDir(home), 0o700);
  ensureDir(dirname(paths.cert), 0o700);
  replaceFile(paths.key, pair.keyPem, 0o600);
  replaceFile(paths.cert, pair.certPem, 0o600);
  return paths;
}

/** The environment's pair, or undefined when there is none (or only a mismatched one). */
export function readCert(home: string, app: string, env: string): (CertPair & { paths: CertPaths }) | undefined {
  const paths = certPaths(home, app, env);
  const certPem = readIfExists(paths.cert);
  const keyPem = readIfExists(paths.key);
  if (certPem === null || keyPem === null || !keyMatchesCert(certPem, keyPem)) return undefined;
  return { certPem, keyPem, paths };
}

/** Deletes the environment's pair, and the app's directory once it holds no environment. */
export function removeCert(home: string, app: string, env: string): void {
  const dir = envCertDir(home, app, env);
  rmSync(dir, { recursive: true, force: true });
  const appDir = dirname(dir);
  if (existsSync(appDir) && readdirSync(appDir).length === 0) rmdirSync(appDir);
}
