// Handlers of push to deploy: git-connected apps, pipelines, their logs,
// previews, and the git hook's notice of pushed refs.
import type { Api } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import { ensureRepo, repoDir } from '../git/repos.js';
import { commitOf } from '../git/checkout.js';
import { deliverTag, type TagDeps } from '../pipeline/tag.js';
import { deliverDeletion, deliverPush, type DeliverDeps } from '../pipeline/deliver.js';
import type { PipelineLogs } from '../pipeline/log.js';
import type { Pipelines } from '../pipeline/pipelines.js';
import { FINISHED, type PipelineRow, type PipelineStore } from '../state/pipelines.js';
import type { Handlers } from './handlers.js';
import { requireApp } from './auth.js';
import { orderedSender } from './ordered-sender.js';
import { urlsOf } from './deploy-handler.js';

export interface PipelineHandlerDeps extends DeliverDeps, TagDeps {
  store: PipelineStore;
  logs: PipelineLogs;
  pipelines: Pipelines;
  httpPort: number;
  tcp: () => string | null;
}

type PipelineApi = Pick<Api, 'appsCreate' | 'remote' | 'pipelines' | 'pipeline' | 'pipelineCancel' | 'pipelineLogs' | 'previews' | 'previewRemove' | 'gitReceived'>;

const ZERO = /^0{40}$/;
const hookPaths = (app: string): string[] => ['github', 'gitlab', 'gitea', 'generic'].map((p) => `/hooks/${p}/${app}`);
const ms = (a: string, b: string | null): number | null => (b ? Date.parse(b) - Date.parse(a) : null);

export function pipelineHandlers(deps: PipelineHandlerDeps): Handlers<PipelineApi> {
  const view = (p: PipelineRow) => ({
    id: p.id,
    env: p.env,
    trigger: p.trigger,
    actor: p.actor,
    branch: p.branch,
    commit: p.commit,
    status: p.status,
    reason: p.reason,
    deploymentId: p.deploymentId,
    createdAt: p.createdAt,
    finishedAt: p.finishedAt,
    stages: deps.store.stages(p.id).map((s) => ({ stage: s.stage, status: s.status, ms: ms(s.startedAt, s.finishedAt) })),
  });
  return {
    appsCreate: async ({ body }) => {
      await ensureRepo(deps.home, body.app);
      const secret = deps.gitApps.create(body.app, body.repository);
      if (secret === undefined) throw new ApiError('conflict', `${body.app} is already connected to git (calma remote ${body.app})`);
      return { app: body.app, gitPath: `/git/${body.app}.git`, webhookSecret: secret, hookPaths: hookPaths(body.app) };
    },
    remote: ({ params }) => {
      const g = deps.gitApps.get(params.app);
      if (!g) throw new ApiError('not_found', `${params.app} is not connected to git: calma apps create ${params.app}`);
      return { app: g.app, gitPath: `/git/${g.app}.git`, hookPaths: hookPaths(g.app), repository: g.repository, tcp: deps.tcp() };
    },
    pipelines: ({ params }) => deps.store.list(params.app).map(view),
    pipeline: ({ params }, ctx) => {
      const row = deps.store.get(params.id);
      if (!row) throw new ApiError('not_found', `no pipeline ${params.id}`);
      requireApp(ctx.principal, row.app);
      return { app: row.app, ...view(row) };
    },
    pipelineCancel: ({ params }, ctx) => {
      const row = deps.store.get(params.id);
      if (row) requireApp(ctx.principal, row.app);
      return { id: params.id, ...deps.pipelines.cancel(params.id) };
    },
    pipelineLogs: async ({ params, query }, ctx, emit) => {
      const row = deps.store.get(params.id);
      if (!row) throw new ApiError('not_found', `no pipeline ${params.id}`);
      requireApp(ctx.principal, row.app);
      const { send, flush } = orderedSender(emit);
      let done!: () => void;
      const ended = new Promise<void>((r) => (done = r));
      const follow = query.follow === '1' && deps.logs.live(params.id) && !FINISHED.includes(row.status);
      const { lines, stop } = deps.logs.read(params.id, follow ? { line: (l) => send({ type: 'line', line: l }), end: done } : undefined);
      for (const line of lines) send({ type: 'line', line });
      if (follow) {
        ctx.signal.addEventListener('abort', done);
        await ended;
        stop();
      }
      send({ type: 'end', status: deps.store.get(params.id)?.status ?? row.status });
      await flush();
    },
    previews: ({ params }) =>
      deps.previews.list(params.app).map((p) => ({
        env: p.env,
        branch: p.branch,
        url: urlsOf([p.domain], deps.httpPort)[0]!,
        commit: p.commit,
        pullRequest: p.pullRequest,
        createdAt: p.createdAt,
        pushedAt: p.pushedAt,
      })),
    previewRemove: async ({ params }) => {
      if (!deps.previews.get(params.app, params.env)) throw new ApiError('not_found', `${params.app} has no preview ${params.env} (calma previews ${params.app})`);
      const r = await deps.pipelines.removePreview(params.app, params.env, 'removed by hand');
      return { env: params.env, containers: r.containers, volumes: r.volumes };
    },
    gitReceived: async ({ params, body }, _ctx, emit) => {
      const { send, flush } = orderedSender(emit);
      try {
        for (const u of body.updates) {
          if (u.ref.startsWith('refs/tags/')) {
            if (!ZERO.test(u.new)) await deliverTag(deps, params.app, u.ref.slice('refs/tags/'.length), await commitOf(repoDir(deps.home, params.app), u.new), send);
            continue;
          }
          if (!u.ref.startsWith('refs/heads/')) continue;
          const branch = u.ref.slice('refs/heads/'.length);
          if (ZERO.test(u.new)) await deliverDeletion(deps, params.app, branch, send);
          else await deliverPush(deps, params.app, { branch, sha: u.new, trigger: 'push' }, send);
        }
        send({ type: 'end' });
      } finally {
        await flush();
      }
    },
  };
}
