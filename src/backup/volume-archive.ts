// A named volume to and from a tar file, through a short-lived helper
// container that mounts it: the engine's own copy API reads and writes the
// files, calma never opens /var/lib/docker itself.
import type Docker from 'dockerode';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors.js';
import { ensureHelperImage } from '../runtime/helper-image.js';
import { runOnce } from '../runtime/run-once.js';

const MOUNT = '/calma-volume';

export async function volumeExists(docker: Docker, volume: string): Promise<boolean> {
  return docker
    .getVolume(volume)
    .inspect()
    .then(() => true)
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode === 404) return false;
      throw e;
    });
}

async function withHelper<T>(docker: Docker, volume: string, readOnly: boolean, labels: Record<string, string>, fn: (c: Docker.Container) => Promise<T>): Promise<T> {
  const image = await ensureHelperImage(docker);
  // Created, never started: the copy API works on a stopped container's mounts.
  const helper = await docker.createContainer({
    Image: image,
    Cmd: ['true'],
    Labels: { ...labels, 'calma.role': 'backup' },
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: MOUNT, ReadOnly: readOnly }], NetworkMode: 'none' },
  });
  try {
    return await fn(helper);
  } finally {
    await helper.remove({ force: true }).catch(() => undefined);
  }
}

/**
 * Runs `fn` with every running container that mounts the volume paused, so
 * no write lands half-way through the copy. Paused, not stopped: their
 * connections stay open and requests wait the copy out instead of failing.
 */
async function withWritersPaused<T>(docker: Docker, volume: string, fn: () => Promise<T>): Promise<T> {
  const writers = await docker.listContainers({ filters: { volume: [volume], status: ['running'] } });
  const paused: Docker.Container[] = [];
  try {
    for (const w of writers) {
      const c = docker.getContainer(w.Id);
      await c.pause();
      paused.push(c);
    }
    return await fn();
  } finally {
    for (const c of paused) await c.unpause().catch(() => undefined);
  }
}

/** Writes the volume's content as a tar (entries under `calma-volume/`) to `dest`, consistent: its writers are paused meanwhile. */
export async function archiveVolume(docker: Docker, volume: string, dest: string, labels: Record<string, string>): Promise<void> {
  await withHelper(docker, volume, true, labels, (helper) =>
    withWritersPaused(docker, volume, async () => {
      const tar = (await helper.getArchive({ path: MOUNT })) as NodeJS.ReadableStream;
      await pipeline(tar, createWriteStream(dest, { flags: 'wx', mode: 0o600 }));
    }),
  ).catch((e: unknown) => {
    if (e instanceof UserError) throw e;
    throw new UserError(`volume ${volume} could not be read: ${(e as Error).message}`);
  });
}

/** Replaces the volume's content with the tar in `src` (as archiveVolume wrote it). */
export async function restoreVolume(docker: Docker, volume: string, src: string, labels: Record<string, string>): Promise<void> {
  const image = await ensureHelperImage(docker);
  // Emptied first, so files created after the backup do not survive the restore.
  const wiped = await runOnce(docker, {
    image,
    command: ['sh', '-c', `rm -rf ${MOUNT}/..?* ${MOUNT}/.[!.]* ${MOUNT}/*`],
    timeoutMs: 10 * 60_000,
    labels: { ...labels, 'calma.role': 'backup' },
    hostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: MOUNT }], NetworkMode: 'none' },
    onLine: () => undefined,
  });
  if (wiped.exitCode !== 0) throw new UserError(`volume ${volume} could not be emptied before the restore: ${wiped.lastLines.join(' ')}`);
  await withHelper(docker, volume, false, labels, async (helper) => {
    await helper.putArchive(createReadStream(src), { path: '/' });
  });
}
