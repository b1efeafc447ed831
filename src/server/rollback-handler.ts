// POST /v1/apps/:app/rollback: the previous (or named) release that went live
// in the environment is deployed again from its image and its own config, as
// a full health-gated deployment; it works after a daemon restart because
// both come from the state and the engine, not from memory.
import { actorOf } from './auth.js';
import type { Api } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import type { CalmaConfig } from '../config/schema.js';
import { deployRelease } from '../deploy/deploy-release.js';
import { liveReleases } from '../state/history.js';
import { appSecrets, releaseDeps, urlsOf, type DeployHandlerDeps } from './deploy-handler.js';
import type { StreamHandler } from './handlers.js';
import type { KeyedLock } from './keyed-lock.js';
import { orderedSender } from './ordered-sender.js';
import { redact } from '../pipeline/log.js';

export function rollbackHandler(deps: DeployHandlerDeps, locks: KeyedLock): StreamHandler<Api['rollback']> {
  return async ({ params, body }, ctx, emit) => {
    const { app } = params;
    const { env } = body;
    const { send, flush } = orderedSender(emit);
    try {
      await locks.run(`${app}/${env}`, async () => {
        const live = liveReleases(deps.db, app, env);
        const current = live[0];
        if (!current) throw new ApiError('not_found', `${app}/${env} has no release that went live`);
        const target = body.release
          ? live.find((r) => r.version === body.release)
          : live.find((r) => r.version !== current.version);
        if (!target) {
          throw new ApiError(
            'user',
            body.release ? `no release "${body.release}" went live in ${app}/${env} (it has ${live.map((r) => r.version).join(', ')})` : `${app}/${env} has no earlier release to roll back to`,
          );
        }
        await deps.docker
          .getImage(target.image)
          .inspect()
          .catch(() => {
            throw new ApiError('user', `the image ${target.image} of release ${target.version} is no longer in the engine`);
          });
        const config = JSON.parse(target.configJson) as CalmaConfig;
        // The data as it was before the current release went live: its deployment's backup.
        const before = deps.backups.beforeRelease(app, env, current.version);
        if (body.withData && !before) throw new ApiError('user', `no backup was taken before ${current.version} went live in ${app}/${env}: nothing to roll the data back to`);
        send({ type: 'phase', name: 'rollback', detail: `${app}/${env} from ${current.version} to ${target.version}${body.withData ? ` with the data of backup ${before!.id}` : ''}` });
        if (!body.withData && before) {
          send({ type: 'log', line: `warning: the data keeps every change made since ${before.createdAt}; backup ${before.id}, taken before ${current.version} went live, has the data ${target.version} knew: calma rollback ${app} --with-data restores it (and loses those changes)` });
        }
        const secrets = appSecrets(deps, app, config.secrets);
        const values = Object.values(secrets);
        const out = await deployRelease(
          {
            kind: 'rollback',
            env,
            image: target.image,
            version: target.version,
            commit: target.commit,
            branch: target.branch,
            config,
            appDir: '/',
            secrets,
            ...(body.withData && before ? { restoreBackup: before.id } : {}),
          },
          releaseDeps(deps, (line) => send({ type: 'log', line: redact(line, values) }), actorOf(ctx.principal)),
        );
        deps.scheduleChanged?.(app, env);
        send({ type: 'result', deploymentId: out.deploymentId, image: target.image, version: target.version, urls: urlsOf(config.environments[env]?.domains ?? [], deps.httpPort) });
      });
      send({ type: 'end' });
    } finally {
      await flush();
    }
  };
}
