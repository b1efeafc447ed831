// The real Docker engine and registry the end-to-end tests run against.
import Docker from 'dockerode';
import { dockerOptions, engineAddress } from '../../src/docker/client.js';
import { removeOrphanSources } from '../../src/runtime/image-source.js';

export const docker = new Docker(dockerOptions(engineAddress()));

export function testRegistry(): string {
  const r = process.env.CALMA_TEST_REGISTRY;
  if (!r) throw new Error('CALMA_TEST_REGISTRY is not set: run the tests through scripts/test.sh');
  return r;
}

/** Every tag of the app's images in the engine, e.g. ["build-1", "main", …]. */
export async function appTags(app: string): Promise<string[]> {
  const images = await docker.listImages({ filters: { reference: [`${app}:*`] } });
  return images.flatMap((i) => i.RepoTags ?? []).map((t) => t.slice(app.length + 1)).sort();
}

/** Removes every image labelled with the app (tests clean up after themselves). */
export async function removeAppImages(app: string): Promise<void> {
  const images = await docker.listImages({ all: true, filters: { label: [`calma.app=${app}`] } });
  for (const img of images) await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
  await removeOrphanSources(docker);
}

/** A container's multiplexed output (stdout and stderr together), once the stream ends. */
async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  const { PassThrough } = await import('node:stream');
  const out = new PassThrough();
  out.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((r) => stream.on('end', r));
  docker.modem.demuxStream(stream, out, out);
  await ended;
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs a command in a fresh container of the image and returns its output. */
export async function runInImage(image: string, cmd: string[]): Promise<string> {
  const container = await docker.createContainer({ Image: image, Cmd: cmd, HostConfig: { NetworkMode: 'none' } });
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const output = collect(stream);
    await container.start();
    await container.wait();
    return await output;
  } finally {
    await container.remove({ force: true });
  }
}

/** Runs a command in a running container (`docker exec`) and returns its output once it ends. */
export async function execIn(containerId: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  return collect(await exec.start({ hijack: true, stdin: false }));
}
