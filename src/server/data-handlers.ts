// Services, backups and restores of an app: the handlers of data-endpoints.
// Backups and restores take the environment's deployment lock: a backup never
// runs while a deployment changes what it reads.
import { actorOf } from './auth.js';
import type { Api } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import { backupDir } from '../backup/layout.js';
import { takeBackup } from '../backup/take.js';
import { backupRequest } from '../deploy/data.js';
import { restoreRelease } from '../deploy/restore-release.js';
import { listReleases } from '../runtime/releases.js';
import { listServices, serviceContainerName } from '../runtime/services.js';
import type { BackupRow } from '../state/backups.js';
import { releaseConfig } from '../state/history.js';
import { releaseDeps, type DeployHandlerDeps } from './deploy-handler.js';
import type { Handler, StreamHandler } from './handlers.js';
import type { KeyedLock } from './keyed-lock.js';
import { orderedSender } from './ordered-sender.js';

function withPath(deps: DeployHandlerDeps, b: BackupRow): BackupRow & { path: string } {
  return { ...b, path: backupDir(deps.home, b.app, b.env, b.id) };
}

/** Takes a backup of what the serving release's calma.yml says to save; for the API and the schedule. */
export async function backupNow(deps: DeployHandlerDeps, app: string, env: string, kind: 'manual' | 'scheduled', log: (line: string) => void): Promise<BackupRow> {
  const live = (await listReleases(deps.docker, app, env)).find((r) => r.running);
  if (!live) throw new ApiError('not_found', `${app}/${env} has no running release`);
  const config = releaseConfig(deps.db, app, env, live.release);
  if (!config) throw new ApiError('not_found', `the configuration of ${app}/${env} ${live.release} is unknown`);
  const manifest = await takeBackup({ docker: deps.docker, home: deps.home, store: deps.backups, log }, backupRequest(config, env, live.release, kind));
  return deps.backups.get(app, manifest.id)!;
}

export function dataHandlers(deps: DeployHandlerDeps, locks: KeyedLock) {
  const services: Handler<Api['services']> = ({ params, query }) => listServices(deps.docker, params.app, query.env);
  const serviceRestart: Handler<Api['serviceRestart']> = async ({ params, body }) => {
    const container = serviceContainerName(params.app, body.env, params.name);
    await deps.docker
      .getContainer(container)
      .restart({ t: 10 })
      .catch((e: { statusCode?: number }) => {
        throw e.statusCode === 404 ? new ApiError('not_found', `${params.app}/${body.env} has no service ${params.name}`) : e;
      });
    const info = await deps.docker.getContainer(container).inspect();
    return { name: params.name, container, state: info.State.Status };
  };
  const backupTake: StreamHandler<Api['backupTake']> = async ({ params, body }, _ctx, emit) => {
    const { send, flush } = orderedSender(emit);
    try {
      const row = await locks.run(`${params.app}/${body.env}`, () => backupNow(deps, params.app, body.env, 'manual', (line) => send({ type: 'log', line })));
      send({ type: 'result', backup: withPath(deps, row) });
      send({ type: 'end' });
    } finally {
      await flush();
    }
  };
  const backups: Handler<Api['backups']> = ({ params, query }) => deps.backups.list(params.app, query.env).map((b) => withPath(deps, b));
  const restore: StreamHandler<Api['restore']> = async ({ params, body }, ctx, emit) => {
    const { app } = params;
    const { send, flush } = orderedSender(emit);
    try {
      await locks.run(`${app}/${body.env}`, async () => {
        const row = deps.backups.get(app, body.backup);
        if (!row || row.env !== body.env) throw new ApiError('not_found', `no backup ${body.backup} of ${app}/${body.env} (see calma backups ${app})`);
        send({ type: 'phase', name: 'restore', detail: `${app}/${body.env} from backup ${row.id} (${row.createdAt}, release ${row.release})` });
        const log = (line: string) => send({ type: 'log', line });
        const { backups: backupDeps } = releaseDeps(deps, log);
        const out = await restoreRelease({ docker: deps.docker, journal: deps.journal, backups: backupDeps!, log, actor: actorOf(ctx.principal) }, app, body.env, row.id, (version) => releaseConfig(deps.db, app, body.env, version));
        send({ type: 'result', deploymentId: out.deploymentId, image: `${app}:${row.release}`, version: row.release, urls: [] });
      });
      send({ type: 'end' });
    } finally {
      await flush();
    }
  };
  return { services, serviceRestart, backupTake, backups, restore };
}
