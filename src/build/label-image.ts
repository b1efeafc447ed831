// calma's labels on a built stage. The engine loads a config that is the built
// image's own plus the labels, naming layers it already holds: it reads none of
// them, and no container is made. A LABEL step in the Dockerfile, or a commit
// of a container created from the image, would make one, and with a thousand
// containers on the engine each removal of its layers reads the host's whole
// mount table (a megabyte) again: the load took about 85 ms there, the commit
// and its container's removal 160-300 ms. (A LABEL step also first reads the
// config of every image built on the same parent.) An image whose history the
// engine cannot describe exactly is labelled the old way, by the commit.
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { pack } from 'tar-stream';
import { followEngineStream, streamError } from '../docker/progress-stream.js';
import { LABEL_COMMENT, labelledConfig, SOURCE_LABEL, sourceTag, type HistoryLine } from './image-config.js';

/** The one-off container's role (commit path), so a daemon killed mid-commit leaves nothing reconcile does not remove. */
export const LABEL_ROLE = 'label';

/**
 * calma's labels for a stage. The commit keeps the container's own labels
 * too, so `calma.role` is required: it replaces the one-off container's.
 */
export type StageLabels = Record<string, string> & { 'calma.role': string };

/** A labelled image, and its source's tag under way. */
export interface Labelled {
  id: string;
  /**
   * `imageId` getting its source tag (see sourceTag), begun once the labelled image exists:
   * awaited with whatever the caller does next (the release's own tags), not before it,
   * since each tag rewrites the engine's whole list of them. Rejections are handled here
   * too, so nothing is left unhandled while the caller has not awaited it yet.
   */
  sourceTagged: Promise<void>;
}

/**
 * An image that is `imageId` plus `labels` (and `calma.source`, naming `imageId`):
 * the same layers, the same config otherwise.
 */
export async function labelImage(docker: Docker, imageId: string, labels: StageLabels): Promise<Labelled> {
  const image = docker.getImage(imageId);
  const [info, history] = await Promise.all([image.inspect(), image.history() as Promise<HistoryLine[]>]);
  const all = { ...labels, [SOURCE_LABEL]: info.Id };
  const config = labelledConfig(
    {
      architecture: info.Architecture,
      os: info.Os,
      variant: (info as { Variant?: string }).Variant,
      osVersion: info.OsVersion,
      author: info.Author,
      config: info.Config as unknown as Record<string, unknown>,
      diffIds: info.RootFS.Layers ?? [],
    },
    history,
    await stepLayers(docker, info, history),
    all,
    new Date(),
  );
  // An engine whose load wants every layer in the archive (one storing images in containerd
  // reads the archive's blobs, not its own layers) refuses the config alone: then the commit.
  const loaded = config === undefined ? undefined : await loadConfig(docker, config, info.RootFS.Layers?.length ?? 0).catch(() => undefined);
  const id = loaded ?? (await commitLabels(docker, info, all));
  // After the labelled image exists: a sweep of unnamed sources (removeOrphanSources) never sees this one tagged but unnamed.
  const sourceTagged = image.tag(sourceTag(info.Id)).then(() => undefined);
  sourceTagged.catch(() => undefined);
  return { id, sourceTagged };
}

/**
 * The layer count of each step's image the engine holds (the lines of a pulled image's own
 * steps say "<missing>"), which tells which steps made a layer (see historyOf).
 */
async function stepLayers(docker: Docker, info: Docker.ImageInspectInfo, history: readonly HistoryLine[]): Promise<Map<string, number>> {
  const inspect = (id: string): Promise<Docker.ImageInspectInfo | undefined> =>
    id === info.Id
      ? Promise.resolve(info)
      : docker
          .getImage(id)
          .inspect()
          .catch(() => undefined);
  const held = await Promise.all(history.filter((h) => h.Id.startsWith('sha256:')).map((h) => inspect(h.Id)));
  return new Map(held.flatMap((s) => (s ? [[s.Id, s.RootFS.Layers?.length ?? 0] as const] : [])));
}

/** `POST /images/load` of an archive holding the config and a manifest: the layers named are the engine's already. */
async function loadConfig(docker: Docker, config: string, layers: number): Promise<string> {
  const id = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const archive = pack();
  archive.entry({ name: 'config.json' }, config);
  // Paths of layers the archive does not hold: the engine opens one only for a layer it lacks.
  archive.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: 'config.json', RepoTags: null, Layers: Array.from({ length: layers }, (_, i) => `${i}/layer.tar`) }]));
  archive.finalize();
  // A streamx readable, which the engine's client pipes as it pipes a build context.
  const stream = await docker.loadImage(archive as unknown as NodeJS.ReadableStream, { quiet: true });
  const messages = await followEngineStream(docker, stream, () => undefined);
  const failure = streamError(messages);
  if (failure !== undefined) throw new Error(failure.trim());
  // The engine names an image by the digest of its config: the one it loaded is the one computed here.
  const loaded = messages.map((m) => m.stream ?? '').join('');
  if (!loaded.includes(id)) throw new Error(`the engine loaded another image than the labelled config (${loaded.trim() || 'no answer'})`);
  return id;
}

/** The engine's commit of a container created (never started) from the image, given the image's whole config plus the labels. */
async function commitLabels(docker: Docker, info: Docker.ImageInspectInfo, labels: Record<string, string>): Promise<string> {
  const config = info.Config;
  // The commit fills the new config's empty command fields from the container's. An image with a
  // command lends the container its own; one with none needs a stand-in to be created (it is never
  // started), given as an entrypoint that the commit's explicit empty one keeps out.
  const commandless = !config.Entrypoint?.length && !config.Cmd?.length;
  const container = await docker.createContainer({
    Image: info.Id,
    ...(commandless ? { Entrypoint: ['/calma-label'] } : {}),
    Labels: { 'calma.role': LABEL_ROLE },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    const committed = (await container.commit({
      // dockerode sends its options as the body too; the body is the new image's config.
      _query: { container: container.id, pause: false, comment: LABEL_COMMENT },
      _body: { ...config, ...(commandless ? { Entrypoint: [] } : {}), Labels: { ...(config.Labels ?? {}), ...labels } },
    })) as { Id: string };
    return committed.Id;
  } finally {
    // `v`: an image VOLUME gave the container an anonymous volume of its own.
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}
