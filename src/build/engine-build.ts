// Builds one stage of a Dockerfile through the Engine API and turns the
// engine's failures into one clear line: which step failed and its last output.
import type Docker from 'dockerode';
import { UserError, errorMessage } from '../errors.js';
import { followEngineStream, streamError } from '../docker/progress-stream.js';
import { type BuildContext, packContext } from './context.js';
import { labelImage, type StageLabels } from './label-image.js';
import { type BuildEvent, BuildProgress } from './progress.js';

export interface StageBuild {
  dockerfile: string;
  target: string | undefined;
  args: Record<string, string>;
  labels: StageLabels;
  signal?: AbortSignal;
}

export interface StageResult {
  imageId: string;
  progress: BuildProgress;
  /** The built image's source tag being set (see Labelled): a failure is the build's. */
  sourceTagged: Promise<void>;
}

const LAST_LINES = 10;

export async function buildStage(
  docker: Docker,
  ctx: BuildContext,
  opts: StageBuild,
  onEvent: (e: BuildEvent) => void,
): Promise<StageResult> {
  const progress = new BuildProgress();
  let messages;
  try {
    const stream = await docker.buildImage(packContext(ctx), {
      dockerfile: opts.dockerfile,
      ...(opts.target !== undefined ? { target: opts.target } : {}),
      buildargs: opts.args,
      rm: true,
      forcerm: true,
      ...(opts.signal ? { abortSignal: opts.signal } : {}),
    });
    messages = await followEngineStream(docker, stream, (m) => progress.push(m).forEach(onEvent));
  } catch (e) {
    if (opts.signal?.aborted) throw new UserError('build stopped: the pipeline was cancelled');
    throw new UserError(`build failed: ${errorMessage(e)}`);
  }
  const failure = streamError(messages);
  if (failure !== undefined) throw stepFailure(progress, failure);
  if (!progress.imageId) throw new UserError('build failed: the engine reported no image');
  if (opts.signal?.aborted) throw new UserError('build stopped: the pipeline was cancelled');
  const failed = (e: unknown): never => {
    throw new UserError(`build failed: labelling the image: ${errorMessage(e)}`);
  };
  const labelled = await labelImage(docker, progress.imageId, opts.labels).catch(failed);
  const sourceTagged = labelled.sourceTagged.catch(failed);
  sourceTagged.catch(() => undefined);
  return { imageId: labelled.id, progress, sourceTagged };
}

function stepFailure(progress: BuildProgress, failure: string): UserError {
  const step = progress.current;
  if (!step) return new UserError(`build failed: ${failure.trim()}`);
  const details = step.output.slice(-LAST_LINES).map((l) => `  | ${l}`);
  return new UserError(`build failed at step ${step.n}/${step.total} (${step.instruction}): ${failure.trim()}`, details);
}
