// A snapshot's manifest: what it holds (each file with its size and sha256),
// which release the data belonged to, and how long it took. The checksums are
// what `calma restore` verifies before it touches anything.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';

export interface ManifestFile {
  /** Relative to the snapshot directory. */
  file: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  id: string;
  app: string;
  env: string;
  /** The release serving when the data was saved. */
  release: string;
  kind: 'deploy' | 'manual' | 'scheduled';
  createdAt: string;
  durationMs: number;
  volumes: (ManifestFile & { name: string })[];
  services: (ManifestFile & { name: string; restore: string[] })[];
  /** What was not saved and why (a volume not created yet, a service not started yet). */
  skipped: string[];
}

export function totalBytes(m: Manifest): number {
  return [...m.volumes, ...m.services].reduce((n, f) => n + f.bytes, 0);
}

export function sha256File(path: string): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    createReadStream(path)
      .on('data', (chunk: string | Buffer) => {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        bytes += b.length;
        hash.update(b);
      })
      .on('error', reject)
      .on('end', () => resolve({ bytes, sha256: hash.digest('hex') }));
  });
}

export function readManifest(dir: string): Manifest {
  try {
    return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch (e) {
    throw new UserError(`the backup in ${dir} has no readable manifest: ${(e as Error).message}`);
  }
}

/** Every file's size and sha256 against the manifest; the first mismatch is the error. */
export async function verifySnapshot(dir: string, m: Manifest): Promise<void> {
  for (const f of [...m.volumes, ...m.services]) {
    const actual = await sha256File(join(dir, f.file)).catch((e: NodeJS.ErrnoException) => {
      throw new UserError(`backup ${m.id} is damaged: ${f.file} cannot be read (${e.code ?? e.message})`);
    });
    if (actual.bytes !== f.bytes || actual.sha256 !== f.sha256) {
      throw new UserError(`backup ${m.id} is damaged: ${f.file} does not match its checksum (sha256 ${actual.sha256.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…)`);
    }
  }
}
