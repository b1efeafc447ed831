// The handlers of the contract's endpoints. Each is small and delegates real
// work to its part (deploy, releases…) as later issues add endpoints here.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Api } from '../api/contract.js';
import type { Handlers } from './handlers.js';
import { deployHandler, type DeployHandlerDeps } from './deploy-handler.js';
import { deploymentsHandler, releasesHandler, statusHandler } from './history-handlers.js';
import { KeyedLock } from './keyed-lock.js';
import { ApiError } from '../api/errors.js';
import { appsRemoveHandler, execHandler, logsHandler } from './app-handlers.js';
import { listSecrets, setSecret, unsetSecret } from '../state/secrets.js';
import { rollbackHandler } from './rollback-handler.js';
import { dataHandlers } from './data-handlers.js';
import { certHandlers } from './cert-handlers.js';
import type { CertStore } from '../state/certs.js';
import type { CertManager } from '../tls/manager.js';
import type { Pipelines } from '../pipeline/pipelines.js';
import { pipelineHandlers, type PipelineHandlerDeps } from './pipeline-handlers.js';
import { authHandlers, type AuthHandlerDeps } from './auth-handlers.js';

export interface RouteDeps {
  version: string;
  deploy: DeployHandlerDeps;
  /** One deployment (deploy, rollback, restore, backup) per environment at a time; shared with the backup schedule. */
  locks: KeyedLock;
  certs: { store: CertStore; manager: CertManager | undefined };
  pipelines: Pipelines;
  git: PipelineHandlerDeps;
  auth: AuthHandlerDeps;
}

export function createHandlers(deps: RouteDeps): Handlers<Api> {
  const { locks } = deps;
  return {
    health: () => ({ ok: true, version: deps.version }),
    whoami: (_input, ctx) => ({ via: ctx.principal.via, scope: ctx.principal.scope, app: ctx.principal.app }),
    ping: async ({ query }, ctx, emit) => {
      for (let n = 1; n <= query.count; n++) {
        await emit({ type: 'tick', n });
        // A pause between ticks so the stream is really incremental, as deploy progress will be.
        if (n < query.count) await sleep(5, undefined, { signal: ctx.signal });
      }
      await emit({ type: 'end' });
    },
    deploy: deployHandler(deps.deploy, deps.pipelines),
    rollback: rollbackHandler(deps.deploy, locks),
    releases: releasesHandler(deps.deploy),
    deployments: deploymentsHandler(deps.deploy),
    status: statusHandler(deps.deploy),
    logs: logsHandler(deps.deploy),
    exec: execHandler(deps.deploy),
    appsRemove: appsRemoveHandler(deps.deploy),
    execStatus: async ({ params }) => {
      const info = await deps.deploy.docker.getExec(params.id).inspect().catch(() => {
        throw new ApiError('not_found', `no exec ${params.id}`);
      });
      return { running: info.Running, exitCode: info.Running ? null : info.ExitCode };
    },
    ...dataHandlers(deps.deploy, locks),
    ...certHandlers({ db: deps.deploy.db, ...deps.certs }),
    ...pipelineHandlers(deps.git),
    ...authHandlers(deps.auth),
    secretsList: ({ params }) => listSecrets(deps.deploy.db, params.app),
    secretsSet: ({ params, body }) => ({ name: params.name, updatedAt: setSecret(deps.deploy.db, deps.deploy.secrets, params.app, params.name, body.value) }),
    secretsUnset: ({ params }) => ({ name: params.name, removed: unsetSecret(deps.deploy.db, params.app, params.name) }),
  };
}
