// The tests' ACME CA on loopback (Debian's pebble and pebble-challtestsrv, see
// test/support/pebble.ts) for the benches: stopped and its files removed at the
// end, however the script ends.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPebble, type Pebble } from '../../test/support/pebble.js';
import { onCleanup, tempDir } from './run.js';

export interface BenchPebble {
  pebble: Pebble;
  /** The directory URL for `calma server --acme-directory`. */
  directoryUrl: string;
  /** A file holding the listener's certificate, for `calma server --acme-ca`. */
  caFile: string;
  /** The root this run's certificates chain to (PEM). */
  rootPem: string;
}

/** pebble validating HTTP-01 on 127.0.0.1:httpPort (where the edge listens); every name resolves to 127.0.0.1. */
export async function startBenchPebble(httpPort: number, tlsPort: number): Promise<BenchPebble> {
  const pebble = await startPebble({ httpPort, tlsPort });
  onCleanup('pebble', () => pebble.close());
  const caFile = join(tempDir('calma-bench-pebble-'), 'pebble-listener.pem');
  writeFileSync(caFile, pebble.caBundlePem);
  return { pebble, directoryUrl: pebble.directoryUrl, caFile, rootPem: await pebble.rootPem() };
}

/**
 * The `calma server` args that make it use this CA. With an email, as the e2e test: without one,
 * pebble refuses the account update acme-client sends for a known account key ("Use POST-as-GET
 * ... instead of doing an empty update"), so only the first certificate of a daemon would come.
 */
export function acmeArgs(p: BenchPebble): string[] {
  return ['--acme-directory', p.directoryUrl, '--acme-ca', p.caFile, '--acme-email', 'bench@calma.test'];
}
