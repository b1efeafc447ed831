// The config of an image that is another one plus labels, rebuilt from what the
// engine says of that image (its inspect and its history), for the engine's
// image load to create: the same layers, which the engine already holds, so it
// reads none of them. Pure: the engine calls are in label-image.ts.

/** What the engine's inspect says of the source image (the fields a config carries). */
export interface SourceImage {
  architecture: string;
  os: string;
  variant?: string | undefined;
  osVersion?: string | undefined;
  author?: string | undefined;
  /** The runtime config as inspect returns it (Env, Cmd, Entrypoint, Labels…). */
  config: Record<string, unknown> & { Labels?: Record<string, string> | null };
  /** RootFS.Layers: the diff ids, oldest first. */
  diffIds: readonly string[];
}

/** One line of the engine's image history (GET /images/{id}/history), newest first as it lists them. */
export interface HistoryLine {
  /** The image this step made, when the engine holds it (a local build's steps), else "<missing>". */
  Id: string;
  Created: number;
  CreatedBy: string;
  Comment: string;
  Size: number;
}

/** The label naming the image a labelled one was made from: its build cache, removed with it (see runtime/image-source.ts). */
export const SOURCE_LABEL = 'calma.source';

/**
 * The tag a labelled image's source keeps while the labelled image exists. Untagged and
 * childless (a loaded image is nobody's child), the engine would count it dangling: an
 * image someone built on top of it and removed, or `docker image prune`, would take it,
 * and the next build would find no cache.
 */
export function sourceTag(id: string): { repo: string; tag: string } {
  return { repo: SOURCE_REPOSITORY, tag: id.replace(/^sha256:/, '') };
}

export const SOURCE_REPOSITORY = 'calma-source';

export const LABEL_COMMENT = 'calma labels';

/**
 * The history as the config holds it, oldest first, or undefined when it cannot be told
 * exactly. The engine lists each step but not whether it made a layer. A step whose image
 * the engine holds (every step of a local build) made one when that image has one layer
 * more than the step's before it. Below the oldest such image (the base image, pulled,
 * with its own steps) only the sizes speak: a step that made no layer has size 0, but so
 * has one whose layer holds only directories (`WORKDIR /app`); they say it exactly when as
 * many of those steps have a size as the base image has layers.
 * @param layers the number of layers of each image the lines name (and the engine holds)
 */
export function historyOf(lines: readonly HistoryLine[], layers: ReadonlyMap<string, number>): Record<string, unknown>[] | undefined {
  const held = lines.findIndex((l) => !layers.has(l.Id));
  // Lines [0, base] name images the engine holds; the base image's own steps are base and below.
  const base = (held === -1 ? lines.length : held) - 1;
  if (base < 0) return undefined;
  const made: boolean[] = lines.map((l, i) => (i < base ? layers.get(l.Id)! > layers.get(lines[i + 1]!.Id)! : l.Size > 0));
  if (made.slice(base).filter(Boolean).length !== layers.get(lines[base]!.Id)) return undefined;
  return lines
    .map((l, i) => ({
      created: new Date(l.Created * 1000).toISOString(),
      created_by: l.CreatedBy,
      ...(l.Comment ? { comment: l.Comment } : {}),
      ...(made[i] ? {} : { empty_layer: true }),
    }))
    .reverse();
}

/**
 * The labelled image's config, as the bytes the engine will hash into its id; undefined
 * when the source's history cannot be rebuilt exactly (the caller then labels another way).
 * `labels` are added to the source's own, which stay.
 */
export function labelledConfig(src: SourceImage, history: readonly HistoryLine[], layers: ReadonlyMap<string, number>, labels: Record<string, string>, now: Date): string | undefined {
  const steps = historyOf(history, layers);
  if (!steps || steps.filter((s) => !s.empty_layer).length !== src.diffIds.length) return undefined;
  const created = now.toISOString();
  return JSON.stringify({
    architecture: src.architecture,
    os: src.os,
    ...(src.variant ? { variant: src.variant } : {}),
    ...(src.osVersion ? { 'os.version': src.osVersion } : {}),
    ...(src.author ? { author: src.author } : {}),
    created,
    comment: LABEL_COMMENT,
    config: { ...src.config, Labels: { ...(src.config.Labels ?? {}), ...labels } },
    rootfs: { type: 'layers', diff_ids: src.diffIds },
    history: [...steps, { created, created_by: LABEL_COMMENT, comment: LABEL_COMMENT, empty_layer: true }],
  });
}
