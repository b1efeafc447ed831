// The daemon's pipelines: every way in (`calma deploy`, `git push`, a webhook)
// submits a checked-out commit here. Each target environment gets one
// pipeline, run through the per-environment queue (one runs, the newest one
// waits, older waiting ones are superseded), recorded, logged, and reported
// to whoever submitted it. Preview environments are created on their first
// push, capped at `previews.max`, and torn down here.
import { ApiError } from '../api/errors.js';
import type { CalmaConfig } from '../config/schema.js';
import { removeEnvironment, type RemovedEnv } from '../deploy/remove-env.js';
import type { DeployHandlerDeps } from '../server/deploy-handler.js';
import type { KeyedLock } from '../server/keyed-lock.js';
import { newPipelineId, type PipelineStatus, type PipelineStore, type PipelineTrigger } from '../state/pipelines.js';
import type { PreviewStore } from '../state/previews.js';
import type { DeployEvent } from './events.js';
import type { PipelineLogs } from './log.js';
import { PipelineQueue } from './queue.js';
import { runPipeline, type Checkout } from './run.js';
import type { PipelineTarget } from './targets.js';

export type CommitState = 'pending' | 'success' | 'failure';
/** Reports the test gate to the git host (a commit status), when the app asks for it. */
export type StatusReporter = (config: CalmaConfig, commit: string, state: CommitState, description: string) => Promise<void>;

export interface PipelinesDeps {
  deploy: DeployHandlerDeps;
  store: PipelineStore;
  logs: PipelineLogs;
  locks: KeyedLock;
  previews: PreviewStore;
  reportStatus?: StatusReporter;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface SubmitRequest {
  trigger: PipelineTrigger;
  /** Who started it: a user or token (cli), the pusher, the git host. */
  actor: string;
  checkout: Checkout;
  config: CalmaConfig;
  targets: PipelineTarget[];
  /** Refuse (409) instead of waiting when the environment is busy. */
  noWait?: boolean;
  pullRequest?: number;
  onEvent?: (e: DeployEvent) => void;
  /** Runs once every pipeline of this submission has ended (the checkout may be removed). */
  cleanup?: () => void;
}

export interface PipelineEnd {
  id: string;
  env: string;
  status: PipelineStatus;
  reason?: string;
  deploymentId?: string;
}

interface Running {
  abort: AbortController;
  deploying: boolean;
}

export class Pipelines {
  private readonly queue = new PipelineQueue();
  private readonly running = new Map<string, Running>();

  constructor(private readonly deps: PipelinesDeps) {}

  /** Starts or queues one pipeline per target; resolves when all have ended. */
  async submit(req: SubmitRequest): Promise<PipelineEnd[]> {
    const app = req.config.app;
    if (req.noWait) {
      const busy = req.targets.find((t) => this.queue.busy(`${app}/${t.env}`) || this.deps.locks.busy(`${app}/${t.env}`));
      if (busy) {
        const other = this.queue.runningId(`${app}/${busy.env}`);
        throw new ApiError('conflict', `${app}/${busy.env} is busy${other ? ` with pipeline ${other}` : ' with a deployment, rollback or backup'}: retry later, or drop --no-wait to wait for it`);
      }
    }
    const emit = req.onEvent ?? (() => undefined);
    try {
      return await Promise.all(req.targets.map((t) => this.start(req, t, emit)));
    } finally {
      req.cleanup?.();
    }
  }

  private async start(req: SubmitRequest, target: PipelineTarget, emit: (e: DeployEvent) => void): Promise<PipelineEnd> {
    const app = req.config.app;
    const id = newPipelineId();
    const { checkout } = req;
    this.deps.store.create({ id, app, env: target.env, trigger: req.trigger, actor: req.actor, branch: checkout.branch, commit: checkout.commit });
    this.deps.logs.opened(id);
    const seed = target.preview ? await this.previewPushed(req, target, emit) : undefined;
    const say = (status: string, detail?: string): void => {
      this.deps.logs.append(id, `pipeline ${id}: ${status}${detail ? ` (${detail})` : ''}`);
      emit({ type: 'pipeline', id, env: target.env, status, ...(detail ? { detail } : {}) });
    };
    return new Promise<PipelineEnd>((resolve) => {
      const ended = (end: Omit<PipelineEnd, 'id' | 'env'>): void => {
        this.deps.logs.close(id);
        resolve({ id, env: target.env, ...end });
      };
      const state: Running = { abort: new AbortController(), deploying: false };
      const how = this.queue.submit(`${app}/${target.env}`, {
        id,
        run: async () => {
          this.running.set(id, state);
          say('running');
          const report = (s: CommitState, d: string): void => void this.deps.reportStatus?.(req.config, checkout.commit, s, d).catch((e: unknown) => this.deps.log('commit status not reported', { app, pipeline: id, error: (e as Error).message }));
          if (req.config.build.test) report('pending', 'tests running');
          try {
            const deploymentId = await runPipeline(
              { id, app, target, checkout, config: req.config, actor: req.actor, ...(seed ? { seed } : {}), signal: state.abort.signal, emit, deploying: () => (state.deploying = true), tested: (ok, d) => report(ok ? 'success' : 'failure', d) },
              this.deps,
            );
            say('succeeded');
            ended({ status: 'succeeded', deploymentId });
          } catch (e) {
            const row = this.deps.store.get(id);
            say(row?.status ?? 'failed', row?.reason ?? undefined);
            ended({ status: row?.status ?? 'failed', ...(row?.reason ? { reason: row.reason } : {}), ...(row?.deploymentId ? { deploymentId: row.deploymentId } : {}) });
          } finally {
            this.running.delete(id);
          }
        },
        superseded: (by) => {
          this.deps.store.finished(id, 'superseded', `superseded by pipeline ${by}`);
          say('superseded', `by pipeline ${by}, a newer push`);
          ended({ status: 'superseded', reason: `superseded by pipeline ${by}` });
        },
        cancelled: () => {
          this.deps.store.finished(id, 'cancelled', 'cancelled before it started');
          say('cancelled');
          ended({ status: 'cancelled', reason: 'cancelled before it started' });
        },
      });
      if (how === 'queued') say('queued', `behind pipeline ${this.queue.runningId(`${app}/${target.env}`)}`);
    });
  }

  /** `calma pipelines cancel`: a queued one never starts; a running one stops at once, unless its deployment started. */
  cancel(id: string): { status: 'cancelled' | 'stopping' | 'deploying' } {
    const row = this.deps.store.get(id);
    if (!row) throw new ApiError('not_found', `no pipeline ${id}`);
    const where = this.queue.cancel(id);
    if (where === 'queued') return { status: 'cancelled' };
    const state = this.running.get(id);
    if (where !== 'running' || !state) throw new ApiError('user', `pipeline ${id} has already ended (${row.status})`);
    if (state.deploying) return { status: 'deploying' };
    state.abort.abort(new Error('cancelled'));
    return { status: 'stopping' };
  }

  /** Records the push to a preview; a new one may push out the oldest idle preview, and may start from production's data. */
  private async previewPushed(req: SubmitRequest, target: PipelineTarget, emit: (e: DeployEvent) => void): Promise<{ backupId: string; from: string } | undefined> {
    const app = req.config.app;
    const previews = req.config.previews!;
    const isNew = this.deps.previews.pushed({ app, env: target.env, branch: target.preview!.branch, label: target.preview!.label, domain: target.domains[0]!, commit: req.checkout.commit, ...(req.pullRequest ? { pullRequest: req.pullRequest } : {}) });
    if (!isNew) return undefined;
    const others = this.deps.previews.list(app).filter((p) => p.env !== target.env && !this.queue.busy(`${app}/${p.env}`));
    let count = this.deps.previews.list(app).length;
    for (const old of others) {
      if (count <= previews.max) break;
      emit({ type: 'log', line: `previews: at most ${previews.max} live; removing the oldest idle one, ${old.env} (branch ${old.branch}, last push ${old.pushedAt})` });
      await this.removePreview(app, old.env, `more than ${previews.max} previews`);
      count--;
    }
    if (previews.data !== 'copy') return undefined;
    const latest = this.deps.deploy.backups.list(app, 'production')[0];
    if (!latest) {
      emit({ type: 'log', line: 'previews: production has no backup yet, so this preview starts with empty data' });
      return undefined;
    }
    emit({ type: 'log', line: `previews: ${target.env} starts from a copy of production's backup ${latest.id} (${latest.createdAt})` });
    return { backupId: latest.id, from: 'production' };
  }

  /** Tears a preview down: route, containers, certificate and volumes (its pipelines' history stays). */
  async removePreview(app: string, env: string, why: string): Promise<RemovedEnv> {
    const d = this.deps.deploy;
    const removed = await this.deps.locks.run(`${app}/${env}`, () => removeEnvironment({ home: d.home, docker: d.docker, db: d.db, edge: d.edge }, app, env, { volumes: true }));
    this.deps.previews.remove(app, env);
    d.scheduleChanged?.(app, env);
    this.deps.log('preview removed', { app, env, why, containers: removed.containers, volumes: removed.volumes.length });
    return removed;
  }

  /** Previews without a push for longer than their `ttl` are removed. */
  async expire(now = Date.now(), ttlOf: (app: string) => number): Promise<string[]> {
    const gone: string[] = [];
    for (const p of this.deps.previews.list()) {
      if (this.queue.busy(`${p.app}/${p.env}`)) continue;
      if (now - Date.parse(p.pushedAt) < ttlOf(p.app)) continue;
      await this.removePreview(p.app, p.env, 'ttl passed without a push');
      gone.push(`${p.app}/${p.env}`);
    }
    return gone;
  }
}
