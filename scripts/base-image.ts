// Builds calma/busybox:base, the local base image of the example and of the
// tests, from Debian's static busybox: no image is ever pulled.
import { existsSync, mkdtempSync, copyFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-fs';
import { connectDocker } from '../src/docker/client.js';
import { followEngineStream, streamError } from '../src/docker/progress-stream.js';

export const BASE_IMAGE = 'calma/busybox:base';

export async function buildBaseImage(busybox = '/bin/busybox'): Promise<void> {
  if (!existsSync(busybox)) throw new Error(`${busybox} is missing: apt-get install busybox-static`);
  const docker = await connectDocker();
  const dir = mkdtempSync(join(tmpdir(), 'calma-base-'));
  try {
    copyFileSync(busybox, join(dir, 'busybox'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n');
    const stream = await docker.buildImage(pack(dir) as unknown as NodeJS.ReadableStream, { t: BASE_IMAGE, rm: true });
    const failure = streamError(await followEngineStream(docker, stream, () => undefined));
    if (failure) throw new Error(`building ${BASE_IMAGE} failed: ${failure}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildBaseImage();
  process.stdout.write(`${BASE_IMAGE} ready\n`);
}
