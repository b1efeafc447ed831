// The read side: releases, deployments with their steps, and what serves now
// (from the engine's labels, checked against the recorded history).
import type Docker from 'dockerode';
import type { Api } from '../api/contract.js';
import { listReleases } from '../runtime/releases.js';
import type { Db } from '../state/db.js';
import { deploymentsOf, knownApps, liveReleases, releaseConfig } from '../state/history.js';
import { urlsOf } from './deploy-handler.js';
import type { Journal } from '../state/journal.js';
import type { Handler } from './handlers.js';

export interface HistoryDeps {
  db: Db;
  docker: Docker;
  journal: Journal;
}

export function releasesHandler(deps: HistoryDeps): Handler<Api['releases']> {
  return async ({ params, query }) => {
    const live = liveReleases(deps.db, params.app, query.env);
    const present = new Set((await deps.docker.listImages({ filters: { reference: [`${params.app}:*`] } })).flatMap((i) => i.RepoTags ?? []));
    return live.map((r, i) => ({ version: r.version, image: r.image, commit: r.commit, branch: r.branch, tags: r.tagsJson ? (JSON.parse(r.tagsJson) as string[]) : [], deployedAt: r.deployedAt, by: r.actor, current: i === 0, available: present.has(r.image) }));
  };
}

export function deploymentsHandler(deps: HistoryDeps): Handler<Api['deployments']> {
  return ({ params, query }) =>
    deploymentsOf(deps.db, params.app, query.env).map((d) => ({
      ...d,
      steps: deps.journal.steps(d.id).map((s) => ({ step: s.step, status: s.status, ms: s.finished_at ? Date.parse(s.finished_at) - Date.parse(s.started_at) : null })),
    }));
}

export function statusHandler(deps: HistoryDeps & { httpPort: number }): Handler<Api['status']> {
  return async (_input, ctx) =>
    Promise.all(
      knownApps(deps.db)
        .filter(({ app }) => ctx.principal.app === null || app === ctx.principal.app)
        .map(async ({ app, env }) => {
        const releases = await listReleases(deps.docker, app, env);
        const serving = releases.find((r) => r.running);
        const containers = await deps.docker.listContainers({ all: true, filters: { label: [`calma.app=${app}`, `calma.env=${env}`, 'calma.role=web'] } });
        const last = deploymentsOf(deps.db, app, env, 1)[0];
        const config = serving ? releaseConfig(deps.db, app, env, serving.release) : undefined;
        return {
          app,
          env,
          version: serving?.release ?? null,
          urls: urlsOf(config?.environments[env]?.domains ?? [], deps.httpPort),
          containers: containers.filter((c) => serving?.containers.includes((c.Names[0] ?? '').replace(/^\//, ''))).map((c) => ({ name: (c.Names[0] ?? '').replace(/^\//, ''), state: c.State })),
          lastDeployment: last ? { id: last.id, status: last.status, reason: last.reason } : null,
        };
      }),
    );
}
