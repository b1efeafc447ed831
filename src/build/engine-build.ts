// Builds one stage of a Dockerfile through the Engine API and turns the
// engine's failures into one clear line: which step failed and its last output.
import type Docker from 'dockerode';
import { UserError, errorMessage } from '../errors.js';
import { followEngineStream, streamError } from '../docker/progress-stream.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BuildContext, packContext, readDockerignore } from './context.js';
import { labelStep, userDockerfileText } from './label-step.js';
import { type BuildEvent, BuildProgress } from './progress.js';

export interface StageBuild {
  dockerfile: string;
  target: string | undefined;
  /** The target's position among the Dockerfile's stages: its labels close it. */
  stageIndex: number;
  args: Record<string, string>;
  labels: Record<string, string>;
  signal?: AbortSignal;
}

export interface StageResult {
  imageId: string;
  progress: BuildProgress;
}

const LAST_LINES = 10;

export async function buildStage(
  docker: Docker,
  ctx: BuildContext,
  opts: StageBuild,
  onEvent: (e: BuildEvent) => void,
): Promise<StageResult> {
  const progress = new BuildProgress();
  const ignore = readDockerignore(ctx.dir);
  const step = labelStep(readFileSync(join(ctx.dir, opts.dockerfile), 'utf8'), opts.stageIndex, opts.labels, ignore.length > 0 ? ignore.join('\n') : undefined);
  let messages;
  try {
    const stream = await docker.buildImage(packContext(ctx, step.files), {
      dockerfile: step.dockerfile,
      ...(opts.target !== undefined ? { target: opts.target } : {}),
      buildargs: opts.args,
      rm: true,
      forcerm: true,
      ...(opts.signal ? { abortSignal: opts.signal } : {}),
    });
    messages = await followEngineStream(docker, stream, (m) => progress.push(m).forEach(onEvent));
  } catch (e) {
    if (opts.signal?.aborted) throw new UserError('build stopped: the pipeline was cancelled');
    throw new UserError(`build failed: ${userDockerfileText(errorMessage(e), opts.dockerfile)}`);
  }
  const failure = streamError(messages);
  if (failure !== undefined) throw stepFailure(progress, userDockerfileText(failure, opts.dockerfile));
  if (!progress.imageId) throw new UserError('build failed: the engine reported no image');
  return { imageId: progress.imageId, progress };
}

function stepFailure(progress: BuildProgress, failure: string): UserError {
  const step = progress.current;
  if (!step) return new UserError(`build failed: ${failure.trim()}`);
  const details = step.output.slice(-LAST_LINES).map((l) => `  | ${l}`);
  return new UserError(`build failed at step ${step.n}/${step.total} (${step.instruction}): ${failure.trim()}`, details);
}
