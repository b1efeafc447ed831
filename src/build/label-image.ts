// calma's labels on a built stage, added by the engine's commit of a container
// created (never started) from it. A LABEL step in the Dockerfile costs the
// same container create and commit, but the classic builder first probes its
// cache by reading the config of every image built on the same parent: with a
// thousand apps built from one Dockerfile, a thousand configs per deploy. The
// commit reads none, and the user's Dockerfile goes to the engine unchanged.
import type Docker from 'dockerode';

/** The one-off container's role, so a daemon killed mid-commit leaves nothing reconcile does not remove. */
export const LABEL_ROLE = 'label';

/**
 * calma's labels for a stage. The commit keeps the container's own labels
 * too, so `calma.role` is required: it replaces the one-off container's.
 */
export type StageLabels = Record<string, string> & { 'calma.role': string };

/**
 * The id of an image that is `imageId` plus `labels`: the same layers (an
 * unchanged container adds none), the same config otherwise (the commit is
 * given the image's whole config, so nothing of the container, such as its
 * hostname, leaks in).
 */
export async function labelImage(docker: Docker, imageId: string, labels: StageLabels): Promise<string> {
  const { Config: config } = await docker.getImage(imageId).inspect();
  // The commit fills the new config's empty command fields from the container's. An image with a
  // command lends the container its own; one with none needs a stand-in to be created (it is never
  // started), given as an entrypoint that the commit's explicit empty one keeps out.
  const commandless = !config.Entrypoint?.length && !config.Cmd?.length;
  const container = await docker.createContainer({
    Image: imageId,
    ...(commandless ? { Entrypoint: ['/calma-label'] } : {}),
    Labels: { 'calma.role': LABEL_ROLE },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    const committed = (await container.commit({
      // dockerode sends its options as the body too; the body is the new image's config.
      _query: { container: container.id, pause: false, comment: 'calma labels' },
      _body: { ...config, ...(commandless ? { Entrypoint: [] } : {}), Labels: { ...(config.Labels ?? {}), ...labels } },
    })) as { Id: string };
    return committed.Id;
  } finally {
    // `v`: an image VOLUME gave the container an anonymous volume of its own.
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}
