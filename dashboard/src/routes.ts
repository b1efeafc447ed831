// The method and path of each endpoint the dashboard calls. The table is
// checked against the contract's literal types: a path or method that differs
// from src/api fails to compile, so only these few strings are bundled, not
// the contract's zod schemas.
import type { Api as Contract } from '../../src/api/contract.js';
import type { authEndpoints } from '../../src/api/auth-endpoints.js';

// The access endpoints are declared in auth-endpoints.ts; the intersection
// stays correct once contract.ts gathers them too.
export type Api = Contract & typeof authEndpoints;

type Route<E> = E extends { method: infer M; path: infer P } ? { method: M; path: P } : never;

export const routes = {
  login: { method: 'POST', path: '/v1/session' },
  session: { method: 'GET', path: '/v1/session' },
  logout: { method: 'DELETE', path: '/v1/session' },
  tokensList: { method: 'GET', path: '/v1/tokens' },
  tokensCreate: { method: 'POST', path: '/v1/tokens' },
  tokensRevoke: { method: 'DELETE', path: '/v1/tokens/:id' },
  usersList: { method: 'GET', path: '/v1/users' },
  usersAdd: { method: 'POST', path: '/v1/users' },
  usersRemove: { method: 'DELETE', path: '/v1/users/:name' },
  events: { method: 'GET', path: '/v1/events' },
  status: { method: 'GET', path: '/v1/status' },
  releases: { method: 'GET', path: '/v1/apps/:app/releases' },
  deployments: { method: 'GET', path: '/v1/apps/:app/deployments' },
  rollback: { method: 'POST', path: '/v1/apps/:app/rollback' },
  backups: { method: 'GET', path: '/v1/apps/:app/backups' },
  restore: { method: 'POST', path: '/v1/apps/:app/restore' },
  certs: { method: 'GET', path: '/v1/certs' },
  certsRenew: { method: 'POST', path: '/v1/apps/:app/certs/:env/renew' },
  pipelines: { method: 'GET', path: '/v1/apps/:app/pipelines' },
  pipeline: { method: 'GET', path: '/v1/pipelines/:id' },
  pipelineLogs: { method: 'GET', path: '/v1/pipelines/:id/logs' },
  pipelineCancel: { method: 'POST', path: '/v1/pipelines/:id/cancel' },
  previews: { method: 'GET', path: '/v1/apps/:app/previews' },
  previewRemove: { method: 'DELETE', path: '/v1/apps/:app/previews/:env' },
} as const satisfies { [K in keyof Api]?: Route<Api[K]> };
