// A labelled image names its source (calma.source): the image its build made,
// which stays, tagged calma-source:<id>, as the next build's cache. The engine
// does not see the link (a loaded image has no parent), so the tag goes here,
// with the last labelled image made from the source; the engine then removes
// the source and the build's untagged intermediate images, unless something
// else (a tag, an image built on it, a container) still holds them.
import type Docker from 'dockerode';
import { SOURCE_LABEL, SOURCE_REPOSITORY, sourceTag } from '../build/image-config.js';

const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** Drops the source tag of `source` (and so, unless held otherwise, the image). */
async function release(docker: Docker, source: string): Promise<boolean> {
  const { repo, tag } = sourceTag(source);
  // Without force: another tag, an image built on it or a container made from it keeps the image.
  return docker
    .getImage(`${repo}:${tag}`)
    .remove()
    .then(
      () => true,
      () => false,
    );
}

/** After `labels`' image was removed: its source's tag too, when no other image names it. Returns whether it went. */
export async function removeUnusedSource(docker: Docker, labels: Record<string, string> | null | undefined): Promise<boolean> {
  const source = labels?.[SOURCE_LABEL];
  if (!source || !IMAGE_ID.test(source)) return false;
  const others = await docker.listImages({ filters: { label: [`${SOURCE_LABEL}=${source}`] } });
  return others.length === 0 && release(docker, source);
}

/** Every source tag no image names any more (labelled images removed by hand): one image list for all. */
export async function removeOrphanSources(docker: Docker): Promise<number> {
  const images = await docker.listImages();
  const named = new Set(images.map((i) => i.Labels?.[SOURCE_LABEL]).filter((s): s is string => s !== undefined));
  const orphans = images.filter((i) => !named.has(i.Id) && (i.RepoTags ?? []).some((t) => t.startsWith(`${SOURCE_REPOSITORY}:`)));
  let removed = 0;
  for (const o of orphans) if (await release(docker, o.Id)) removed++;
  return removed;
}
