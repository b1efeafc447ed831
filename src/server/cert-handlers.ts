// `calma certs` and `calma certs add`: the handlers of cert-endpoints.
import type { Api } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import type { CertStore } from '../state/certs.js';
import type { Db } from '../state/db.js';
import { liveReleases, releaseConfig } from '../state/history.js';
import type { CertManager } from '../tls/manager.js';
import type { Handler } from './handlers.js';
import { requireApp } from './auth.js';

export function certHandlers(deps: { db: Db; store: CertStore; manager: CertManager | undefined }) {
  const certs: Handler<Api['certs']> = ({ query }, ctx) => {
    if (query.app) requireApp(ctx.principal, query.app);
    return deps.store.list(query.app ?? ctx.principal.app ?? undefined);
  };
  const certsAdd: Handler<Api['certsAdd']> = async ({ params, body }) => {
    if (!deps.manager) throw new ApiError('user', 'this daemon runs without certificates (started without ACME settings)');
    const current = liveReleases(deps.db, params.app, params.env)[0];
    const config = current && releaseConfig(deps.db, params.app, params.env, current.version);
    if (!config) throw new ApiError('not_found', `${params.app}/${params.env} has no release that went live: deploy it first`);
    return deps.manager.addCustom(params.app, params.env, config.environments[params.env]?.domains ?? [], body.certPem, body.keyPem);
  };
  const certsRenew: Handler<Api['certsRenew']> = async ({ params }) => {
    if (!deps.manager) throw new ApiError('user', 'this daemon runs without certificates (started without ACME settings)');
    const row = await deps.manager.renewNow(params.app, params.env);
    if (!row) throw new ApiError('not_found', `${params.app}/${params.env} wants no certificate (https: false, no domains, or names no CA can validate)`);
    return row;
  };
  return { certs, certsAdd, certsRenew };
}
