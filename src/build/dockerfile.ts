// What a Dockerfile declares, read before the engine sees it: the stage names,
// so an unknown target is named against the stages that exist instead of
// surfacing as an engine error halfway through a build.
import { DockerfileParser } from 'dockerfile-ast';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';

export interface Stage {
  index: number;
  /** The `AS name`, if any. */
  name: string | undefined;
  /** What the stage starts from (an image or an earlier stage). */
  from: string;
}

export function parseStages(text: string): Stage[] {
  const froms = DockerfileParser.parse(text).getFROMs();
  return froms.map((f, index) => ({
    index,
    name: f.getBuildStage() ?? undefined,
    from: f.getImage() ?? '',
  }));
}

export function readDockerfile(contextDir: string, dockerfile: string): { path: string; stages: Stage[] } {
  const path = join(contextDir, dockerfile);
  if (!existsSync(path)) throw new UserError(`no Dockerfile at ${path} (build.dockerfile is "${dockerfile}")`);
  const stages = parseStages(readFileSync(path, 'utf8'));
  if (stages.length === 0) throw new UserError(`${path} has no FROM instruction`);
  return { path, stages };
}

export function stageLabel(s: Stage): string {
  return s.name ?? `#${s.index}`;
}

/**
 * The stage to build: the named one (which must exist), else the last stage,
 * which is what the engine builds without a target.
 */
export function resolveTarget(stages: readonly Stage[], wanted: string | undefined, key: string): Stage {
  if (wanted === undefined) return stages[stages.length - 1]!;
  const found = stages.find((s) => s.name !== undefined && s.name.toLowerCase() === wanted.toLowerCase());
  if (found) return found;
  const named = stages.filter((s) => s.name !== undefined).map((s) => s.name!);
  const have = named.length > 0 ? `the Dockerfile has ${named.join(', ')}` : 'the Dockerfile names no stages (use FROM … AS name)';
  throw new UserError(`${key}: unknown stage "${wanted}": ${have}`);
}
