// One build, start to end: context -> test stage -> shipping stage -> tags ->
// push -> report. Every check a user can fail (Dockerfile, stages, context,
// registry) runs before the engine does any work, and tags are applied only
// after everything else succeeded, so a failed build leaves nothing half-tagged.
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Db } from '../state/db.js';
import { buildNumbersSeeded, lastBuildNumber, nextBuildNumber, seedBuildNumbers } from '../state/build-numbers.js';
import { collectContext, hashContext } from './context.js';
import { readDockerfile, resolveTarget, type Stage } from './dockerfile.js';
import { buildStage } from './engine-build.js';
import type { StageLabels } from './label-image.js';
import { readGitInfo, type GitInfo } from './git.js';
import type { BuildEvent } from './progress.js';
import { checkRegistry, pushTags, resolveRegistry, type RegistrySettings } from './registry.js';
import { type BuildReport, type ImageReport, inspectImage } from './report.js';
import { computeTags, computeVersion, highestBuildNumber, highestBuildNumbers } from './tags.js';
import { runTestGate } from './test-gate.js';
import { pruneOlderTestImages } from './test-images.js';

/** The part of calma.yml a build reads. */
export interface BuildSettings {
  app: string;
  build: {
    context: string;
    dockerfile: string;
    target?: string | undefined;
    args: Record<string, string>;
    max_context: number;
    test?: { target: string; command?: string[] | undefined; timeout: number } | undefined;
  };
  registry?: RegistrySettings | undefined;
}

export interface BuildObserver {
  phase(name: 'test' | 'build' | 'push' | 'tag', detail: string): void;
  event(e: BuildEvent): void;
  line(text: string): void;
}

export interface BuildDeps {
  docker: Docker;
  db: Db;
  observer: BuildObserver;
  env?: NodeJS.ProcessEnv;
  /** Git facts supplied by a client that sent the directory without its .git (null: not a repository). */
  git?: GitInfo | null;
  /**
   * Reuse an image already built and tested from the same version and build settings
   * (a redeploy, or the same commit pushed again) instead of building it again.
   */
  reuse?: boolean;
  /** Aborts the build: the engine's build request is cut and the next phase is not started. */
  signal?: AbortSignal;
}

export async function runBuild(appDir: string, cfg: BuildSettings, deps: BuildDeps): Promise<BuildReport> {
  const started = Date.now();
  const { docker } = deps;
  // A cancelled pipeline stops at the next phase (and its engine request is cut meanwhile).
  const observer: BuildObserver = {
    ...deps.observer,
    phase: (name, detail) => {
      deps.signal?.throwIfAborted();
      deps.observer.phase(name, detail);
    },
  };
  const ctxDir = resolve(appDir, cfg.build.context);
  const { stages } = readDockerfile(ctxDir, cfg.build.dockerfile);
  const ship = resolveTarget(stages, cfg.build.target, 'build.target');
  const test = cfg.build.test ? resolveTarget(stages, cfg.build.test.target, 'build.test.target') : undefined;
  const ctx = collectContext(ctxDir, cfg.build.dockerfile, cfg.build.max_context);
  const registry = cfg.registry ? resolveRegistry(cfg.registry, appDir, deps.env) : undefined;
  if (registry) await checkRegistry(docker, registry);

  const git = deps.git !== undefined ? (deps.git ?? undefined) : await readGitInfo(ctxDir);
  const version = computeVersion(git, await hashContext(ctx));
  // What else decides the image besides the files: an image labelled with the same key was built the same way.
  const buildKey = createHash('sha256')
    .update(JSON.stringify([cfg.build.dockerfile, cfg.build.target ?? null, cfg.build.args, cfg.build.test ?? null, registry?.repository ?? null]))
    .digest('hex')
    .slice(0, 16);
  const labels = { 'calma.app': cfg.app, 'calma.commit': version.commit, 'calma.branch': version.branch, 'calma.version': version.id, 'calma.build-key': buildKey };
  if (deps.reuse) {
    const built = await builtImage(docker, `${cfg.app}:${version.id}`, buildKey);
    if (built) {
      observer.phase('build', `${cfg.app}:${version.id} was already built and tested with these settings: reused`);
      return { app: cfg.app, version: version.id, tags: [], ship: await inspectImage(docker, built, []), test: undefined, digest: undefined, durationMs: Date.now() - started };
    }
  }
  const stage = (target: Stage, role: string) =>
    buildStage(
      docker,
      ctx,
      { dockerfile: cfg.build.dockerfile, target: target.name, args: cfg.build.args, labels: stageLabels(labels, role), ...(deps.signal ? { signal: deps.signal } : {}) },
      (e) => observer.event(e),
    );

  let testImage: ImageReport | undefined;
  if (test && cfg.build.test) {
    observer.phase('test', `stage ${test.name ?? test.index}`);
    const built = await stage(test, 'test');
    await built.sourceTagged;
    const result = await runTestGate(docker, {
      imageId: built.imageId,
      command: cfg.build.test.command,
      timeoutMs: cfg.build.test.timeout,
      labels,
      onLine: (l) => observer.line(l),
    });
    observer.line(`tests passed in ${(result.durationMs / 1000).toFixed(1)}s`);
    testImage = await inspectImage(docker, built.imageId, built.progress.steps);
    await pruneOlderTestImages(docker, cfg.app, built.imageId, started);
  }

  observer.phase('build', `stage ${ship.name ?? ship.index}`);
  const built = await stage(ship, 'image');
  const n = await nextBuild(docker, deps.db, cfg.app);
  const tags = computeTags(version, n);

  let digest: string | undefined;
  if (registry) {
    observer.phase('push', registry.repository);
    try {
      digest = await pushTags(docker, built.imageId, registry, tags, (l) => observer.line(l));
    } catch (e) {
      await untag(docker, tags.map((t) => `${registry.repository}:${t}`));
      throw e;
    }
  }
  observer.phase('tag', tags.map((t) => `${cfg.app}:${t}`).join(' '));
  // At once: the engine writes its tags one after the other anyway, and the report only reads.
  // Should the source's tag (or one of these) fail, the build fails with none of them left.
  const [shipReport] = await Promise.all([
    inspectImage(docker, built.imageId, built.progress.steps),
    built.sourceTagged,
    ...tags.map((tag) => docker.getImage(built.imageId).tag({ repo: cfg.app, tag })),
  ]).catch(async (e: unknown) => {
    await untag(docker, tags.map((t) => `${cfg.app}:${t}`));
    throw e;
  });

  return {
    app: cfg.app,
    version: version.id,
    tags,
    ship: shipReport,
    test: testImage,
    digest,
    durationMs: Date.now() - started,
  };
}

/** The shipped image carries them all, the test stage only what finds it again. */
function stageLabels(labels: Record<string, string>, role: string): StageLabels {
  return role === 'test' ? { 'calma.app': labels['calma.app']!, 'calma.role': role } : { ...labels, 'calma.role': role };
}

/**
 * The next build-<n>. The database's counter answers alone while the engine agrees (its next
 * tag is free). A new (or lost) database first takes every app's numbers from the engine, once;
 * one restored from an older copy finds its next tag taken and reads the app's tags again, so
 * a number never repeats. Listing images costs the engine time in proportion to every image
 * it holds (0.1–0.3 s with a few hundred), which a push should not pay every time.
 */
async function nextBuild(docker: Docker, db: Db, app: string): Promise<number> {
  if (lastBuildNumber(db, app) === undefined && !buildNumbersSeeded(db)) {
    const images = await docker.listImages();
    seedBuildNumbers(db, highestBuildNumbers(images.flatMap((i) => i.RepoTags ?? [])));
  }
  const n = nextBuildNumber(db, app);
  const taken = await docker
    .getImage(`${app}:build-${n}`)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (!taken) return n;
  const existing = await docker.listImages({ filters: { reference: [`${app}:build-*`] } });
  return nextBuildNumber(db, app, highestBuildNumber(existing.flatMap((i) => (i.RepoTags ?? []).map((t) => t.split(':').pop() ?? ''))));
}

/** The id of `ref` when calma built it with this build key (tags are applied only after the tests passed). */
async function builtImage(docker: Docker, ref: string, buildKey: string): Promise<string | undefined> {
  const info = await docker
    .getImage(ref)
    .inspect()
    .catch(() => undefined);
  return info?.Config?.Labels?.['calma.build-key'] === buildKey ? info.Id : undefined;
}

async function untag(docker: Docker, names: readonly string[]): Promise<void> {
  for (const name of names) await docker.getImage(name).remove({ noprune: true }).catch(() => undefined);
}
