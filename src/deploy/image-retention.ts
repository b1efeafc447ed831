// Which images of releases beyond `keep` may go: a pure choice over what the
// engine lists, so the rules are tested without an engine. Only an image calma
// built as this app's shipping image is ever a candidate, and any container
// left (a kept release stopped for rollback, another environment, something a
// user started by hand) keeps the image it was created from.

/** What the engine says of an image (a subset of its image list). */
export interface ImageFacts {
  id: string;
  labels: Record<string, string> | null | undefined;
}

/** What the engine says of a container (a subset of its container list). */
export interface ContainerFacts {
  imageId: string;
}

/**
 * @param candidates image ids of the releases just removed
 * @param images     the candidates as the engine describes them (a missing one is already gone)
 * @param containers the containers left in the engine, running or stopped, made from any candidate
 */
export function prunableImages(app: string, candidates: readonly string[], images: readonly ImageFacts[], containers: readonly ContainerFacts[]): string[] {
  const inUse = new Set(containers.map((c) => c.imageId));
  // `calma.role=image` marks the shipping stage run-build.ts tags; test stages and images calma did not build never match.
  const ours = new Set(images.filter((i) => i.labels?.['calma.app'] === app && i.labels['calma.role'] === 'image').map((i) => i.id));
  return [...new Set(candidates)].filter((id) => ours.has(id) && !inUse.has(id));
}
