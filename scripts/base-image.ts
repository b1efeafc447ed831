// Builds calma/busybox:base, the local base image of the example and of the
// tests (and calma's helper image), from Debian's static busybox: no image is ever pulled.
import { connectDocker } from '../src/docker/client.js';
import { HELPER_IMAGE, buildHelperImage } from '../src/runtime/helper-image.js';

export const BASE_IMAGE = HELPER_IMAGE;

export async function buildBaseImage(busybox = '/bin/busybox'): Promise<void> {
  await buildHelperImage(await connectDocker(), busybox);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildBaseImage();
  process.stdout.write(`${BASE_IMAGE} ready\n`);
}
