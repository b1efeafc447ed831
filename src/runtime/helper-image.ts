// calma's helper image: Debian's static busybox on an empty base, built
// locally (never pulled). Backups read and restore volumes through short-lived
// containers of it, so calma never reaches into the engine's own files.
import type Docker from 'dockerode';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-fs';
import { UserError } from '../errors.js';
import { followEngineStream, streamError } from '../docker/progress-stream.js';

export const HELPER_IMAGE = 'calma/busybox:base';

export async function buildHelperImage(docker: Docker, busybox = '/bin/busybox'): Promise<void> {
  if (!existsSync(busybox)) throw new UserError(`${busybox} is missing: apt-get install busybox-static (calma builds its helper image from it)`);
  const dir = mkdtempSync(join(tmpdir(), 'calma-base-'));
  try {
    copyFileSync(busybox, join(dir, 'busybox'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n');
    const stream = await docker.buildImage(pack(dir) as unknown as NodeJS.ReadableStream, { t: HELPER_IMAGE, rm: true });
    const failure = streamError(await followEngineStream(docker, stream, () => undefined));
    if (failure) throw new UserError(`building ${HELPER_IMAGE} failed: ${failure}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The helper image, built on first use. */
export async function ensureHelperImage(docker: Docker): Promise<string> {
  const present = await docker
    .getImage(HELPER_IMAGE)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (!present) await buildHelperImage(docker);
  return HELPER_IMAGE;
}
