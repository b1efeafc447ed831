// Every build with a test stage leaves that stage's image (untagged, labelled
// calma.role=test). The newest one stays, as the build cache of the next
// build; older ones of the app are removed, so disk does not fill up one test
// image per build. Only images made before this build started are touched: a
// build of the same app running beside this one keeps its own.
import type Docker from 'dockerode';
import { removeUnusedSource } from '../runtime/image-source.js';

export async function pruneOlderTestImages(docker: Docker, app: string, keepId: string, startedAtMs: number): Promise<number> {
  const images = await docker.listImages({ filters: { label: [`calma.app=${app}`, 'calma.role=test'] } });
  let removed = 0;
  for (const image of images) {
    // Created is in whole seconds: one second of margin keeps an image another build made just after this one started.
    if (image.Id === keepId || image.Created * 1000 >= startedAtMs - 1000) continue;
    // Without force: an image a container still uses, or that has children, stays.
    const gone = await docker
      .getImage(image.Id)
      .remove()
      .then(
        () => true,
        () => false,
      );
    if (!gone) continue;
    removed++;
    await removeUnusedSource(docker, image.Labels);
  }
  return removed;
}
