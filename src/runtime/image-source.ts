// A labelled image names its source (calma.source): the image its build made,
// which stays as the next build's cache. The engine does not see the link (a
// loaded image has no parent), so removing a labelled image would leave its
// source and the build's intermediate images on disk for good; they go here,
// with the last labelled image made from them.
import type Docker from 'dockerode';
import { SOURCE_LABEL } from '../build/image-config.js';

const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** After `labels`' image was removed: its source too, when no other image names it. Returns whether it went. */
export async function removeUnusedSource(docker: Docker, labels: Record<string, string> | null | undefined): Promise<boolean> {
  const source = labels?.[SOURCE_LABEL];
  if (!source || !IMAGE_ID.test(source)) return false;
  const others = await docker.listImages({ filters: { label: [`${SOURCE_LABEL}=${source}`] } });
  if (others.length > 0) return false;
  const info = await docker
    .getImage(source)
    .inspect()
    .catch(() => undefined);
  // Already gone (an image committed from it took it along), or tagged: then someone else keeps it.
  if (!info || (info.RepoTags ?? []).some((t) => t !== '<none>:<none>')) return false;
  // Without force: an image built on it, or a container made from it, keeps it; its untagged parents go with it.
  return docker
    .getImage(source)
    .remove()
    .then(
      () => true,
      () => false,
    );
}
