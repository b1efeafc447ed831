// One pipeline: a checked-out commit going through its stages (source, test,
// build, push, tag, deploy) for one environment. Every stage is recorded with
// its timing, every line goes to the pipeline's log, and the deployment is
// the same deployRelease that `calma deploy` and rollbacks use.
import type { CalmaConfig } from '../config/schema.js';
import { runBuild } from '../build/run-build.js';
import { deployRelease } from '../deploy/deploy-release.js';
import { startEarly } from '../deploy/prepare.js';
import { errorMessage, UserError } from '../errors.js';
import type { PipelineStore } from '../state/pipelines.js';
import { appSecrets, releaseDeps, urlsOf, type DeployHandlerDeps } from '../server/deploy-handler.js';
import type { KeyedLock } from '../server/keyed-lock.js';
import type { PipelineLogs } from './log.js';
import { configFor, type PipelineTarget } from './targets.js';
import type { DeployEvent } from './events.js';

/** A commit's files in a directory, with what git says about them; shared by the pipelines of one push. */
export interface Checkout {
  dir: string;
  commit: string;
  branch: string;
  tags: string[];
  dirty: boolean;
}

export interface PipelineJob {
  id: string;
  app: string;
  target: PipelineTarget;
  checkout: Checkout;
  config: CalmaConfig;
  /** Who started the pipeline; its deployment records the same. */
  actor: string;
  /** Set when a preview is new and starts from a copy of production's data. */
  seed?: { backupId: string; from: string };
  signal: AbortSignal;
  emit: (e: DeployEvent) => void;
  /** Called once the deployment has started: from then on it finishes or rolls back, never stops half-way. */
  deploying: () => void;
  /** The test gate's result (for commit statuses). */
  tested?: (ok: boolean, detail: string) => void;
}

export interface RunDeps {
  deploy: DeployHandlerDeps;
  store: PipelineStore;
  logs: PipelineLogs;
  locks: KeyedLock;
}

/** Runs the job; resolves with the deployment id, or throws the failure (already recorded). */
export async function runPipeline(job: PipelineJob, deps: RunDeps): Promise<string> {
  const { id, app, target, checkout } = job;
  // The pusher's terminal gets the log as blanked as the file: a release command may echo a secret.
  const log = (line: string): void => job.emit({ type: 'log', line: deps.logs.append(id, line) });
  let stage: { name: string; seq: number } | undefined;
  const enter = (name: string, detail: string): void => {
    if (stage) deps.store.stageEnded(id, stage.seq, 'done');
    stage = { name, seq: deps.store.stageStarted(id, name) };
    deps.logs.append(id, `==> ${name}: ${detail}`);
    job.emit({ type: 'phase', name, detail });
  };
  deps.store.started(id);
  try {
    enter('source', `${checkout.commit.slice(0, 12)}${checkout.branch ? ` (${checkout.branch})` : ''} to ${app}/${target.env}`);
    const config = configFor(job.config, target);
    const secrets = appSecrets(deps.deploy, app, config.secrets);
    deps.logs.hide(id, Object.values(secrets));
    return await deps.locks.run(`${app}/${target.env}`, async () => {
      // What the deployment reads, reserves and (for a new environment) loads into the edge
      // goes on while the release builds. A failure before the release serves gives it up: a
      // route staged for it goes (a deployment that staged it itself has already undone it;
      // then nothing). Once the release serves, nothing after it may take its route away.
      const early = startEarly(deps.deploy, config, target.env);
      let serving = false;
      try {
        const report = await runBuild(checkout.dir, config, {
          docker: deps.deploy.docker,
          db: deps.deploy.db,
          // No commit: not a git directory, so the version comes from the content.
          git: checkout.commit ? { sha: checkout.commit, branch: checkout.branch || undefined, tags: checkout.tags, dirty: checkout.dirty } : null,
          signal: job.signal,
          reuse: true,
          observer: {
            phase: (name, detail) => {
              // The phase after the test stage means the tests passed.
              if (stage?.name === 'test') job.tested?.(true, 'tests passed');
              enter(name, detail);
            },
            event: (e) => {
              if (e.kind === 'step') log(`step ${e.step.n}/${e.step.total} ${e.step.instruction}`);
              else if (e.kind === 'output') log(`  | ${e.line}`);
            },
            line: log,
          },
        }).catch((e: unknown) => {
          if (stage?.name === 'test') job.tested?.(false, errorMessage(e));
          throw e;
        });
        job.signal.throwIfAborted();
        const image = `${app}:${report.version}`;
        enter('deploy', `${image} to ${target.env}`);
        job.deploying();
        try {
          const out = await deployRelease(
            {
              kind: 'deploy',
              env: target.env,
              image,
              version: report.version,
              commit: checkout.commit,
              branch: checkout.branch,
              tags: checkout.tags,
              config,
              appDir: checkout.dir,
              secrets,
              ...(job.seed ? { restoreBackup: job.seed.backupId, restoreFrom: job.seed.from } : {}),
              prepared: early.prepared,
            },
            releaseDeps(deps.deploy, log, job.actor),
          );
          serving = true;
          deps.store.linkDeployment(id, out.deploymentId);
          deps.deploy.scheduleChanged?.(app, target.env);
          job.emit({ type: 'result', deploymentId: out.deploymentId, image, version: report.version, urls: urlsOf(target.domains, deps.deploy.httpPort) });
          return out.deploymentId;
        } catch (e) {
          const deploymentId = (e as { deploymentId?: unknown }).deploymentId;
          if (typeof deploymentId === 'string') deps.store.linkDeployment(id, deploymentId);
          throw e;
        }
      } catch (e) {
        if (!serving) await early.abandon();
        throw e;
      }
    }).then((deploymentId) => {
      if (stage) deps.store.stageEnded(id, stage.seq, 'done');
      deps.store.finished(id, 'succeeded');
      deps.logs.append(id, `pipeline ${id} succeeded`);
      return deploymentId;
    });
  } catch (e) {
    const cancelled = job.signal.aborted;
    const reason = cancelled ? 'cancelled' : errorMessage(e);
    if (e instanceof UserError) for (const line of e.details) log(line);
    if (stage) deps.store.stageEnded(id, stage.seq, 'failed');
    deps.store.finished(id, cancelled ? 'cancelled' : 'failed', reason);
    deps.logs.append(id, `pipeline ${id} ${cancelled ? 'cancelled' : `failed: ${reason}`}`);
    throw cancelled ? new UserError(`pipeline ${id} was cancelled`) : e;
  }
}
