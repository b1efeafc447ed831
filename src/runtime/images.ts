// Removing the images of releases beyond `keep` (see deploy/image-retention.ts
// for which). Each tag is removed on its own, without force: the engine itself
// then refuses to drop an image a container was created from since the list was read.
import type Docker from 'dockerode';
import { errorMessage } from '../errors.js';
import { prunableImages } from '../deploy/image-retention.js';
import { removeUnusedSource } from './image-source.js';

export async function pruneReleaseImages(docker: Docker, app: string, candidates: readonly string[], log: (line: string) => void): Promise<void> {
  if (candidates.length === 0) return;
  // Only the candidates and the containers made from them: listing every image and
  // container of the engine would cost each deployment more the more apps there are.
  const [found, containers] = await Promise.all([
    Promise.all(candidates.map((id) => docker.getImage(id).inspect().catch(() => undefined))),
    docker.listContainers({ all: true, filters: { ancestor: [...candidates] } }),
  ]);
  const images = found.filter((i): i is Docker.ImageInspectInfo => i !== undefined);
  const chosen = prunableImages(
    app,
    candidates,
    images.map((i) => ({ id: i.Id, labels: i.Config?.Labels })),
    containers.map((c) => ({ imageId: c.ImageID })),
  );
  for (const id of chosen) {
    const image = images.find((i) => i.Id === id);
    const tags = (image?.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    try {
      // An untagged image (its tags moved to newer builds) goes by its id.
      for (const ref of tags.length > 0 ? tags : [id]) await docker.getImage(ref).remove();
      await removeUnusedSource(docker, image?.Config?.Labels);
      log(`removed image ${tags.join(' ') || id.slice(7, 19)} of a release beyond keep`);
    } catch (e) {
      // Housekeeping: an image still needed stays, and the deployment is not failed for it.
      log(`kept image ${tags.join(' ') || id.slice(7, 19)}: ${errorMessage(e)}`);
    }
  }
}
