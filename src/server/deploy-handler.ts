// POST /v1/deploy: the uploaded app directory is unpacked, built and tested,
// then deployed to the environment; every phase and log line streams back.
// One deployment per environment runs at a time.
import type Docker from 'dockerode';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Api } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import { UserError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import type { EdgePort } from '../deploy/execute.js';
import type { Db } from '../state/db.js';
import type { AddressBook } from '../state/addresses.js';
import type { BackupStore } from '../state/backups.js';
import type { DeployDeps } from '../deploy/deploy-release.js';
import { withEnvFiles } from '../config/env-file.js';
import type { Journal } from '../state/journal.js';
import type { SecretBox } from '../state/secret-box.js';
import { openSecrets } from '../state/secrets.js';
import { extractUpload } from './extract.js';
import type { StreamHandler } from './handlers.js';
import type { Pipelines } from '../pipeline/pipelines.js';
import { orderedSender } from './ordered-sender.js';
import { actorOf, requireApp } from './auth.js';

export interface DeployHandlerDeps {
  home: string;
  docker: Docker;
  db: Db;
  journal: Journal;
  addresses: AddressBook;
  backups: BackupStore;
  edge: EdgePort;
  /** The edge's public HTTP port, for the URLs shown to the user. */
  httpPort: number;
  secrets: SecretBox;
  dns?: string[];
  /** Told when an environment got a new live release or was removed: its backup schedule follows. */
  scheduleChanged?: (app: string, env: string) => void;
}

export function urlsOf(domains: readonly string[], httpPort: number): string[] {
  return domains.map((d) => `http://${d}${httpPort === 80 ? '' : `:${httpPort}`}/`);
}

/** What a deployment (deploy, rollback, restore) needs of the daemon, its output going to `log`. */
export function releaseDeps(deps: DeployHandlerDeps, log: (line: string) => void, actor?: string): DeployDeps {
  return {
    ...(actor ? { actor } : {}),
    docker: deps.docker,
    edge: deps.edge,
    journal: deps.journal,
    addresses: deps.addresses,
    backups: { home: deps.home, store: deps.backups },
    log,
    ...(deps.dns ? { dns: deps.dns } : {}),
  };
}

/** The values of the secrets calma.yml names; one that is not set stops the deployment before anything is built. */
export function appSecrets(deps: Pick<DeployHandlerDeps, 'db' | 'secrets'>, app: string, names: readonly string[]): Record<string, string> {
  const { values, missing } = openSecrets(deps.db, deps.secrets, app, names);
  if (missing.length > 0) throw new ApiError('user', `secret ${missing.join(', ')} is not set: calma secrets set ${app} ${missing[0]}`);
  return values;
}

export function deployHandler(deps: DeployHandlerDeps, pipelines: Pipelines): StreamHandler<Api['deploy']> {
  return async ({ query, body }, ctx, emit) => {
    const { send, flush } = orderedSender(emit);
    mkdirSync(join(deps.home, 'work'), { recursive: true, mode: 0o700 });
    const work = mkdtempSync(join(deps.home, 'work', 'deploy-'));
    try {
      await extractUpload(body.path, work);
      // env_file values are read now, while the app directory exists, and kept with the release.
      const config = withEnvFiles(loadConfig(work).config, work);
      requireApp(ctx.principal, config.app);
      const env = query.env;
      const environment = config.environments[env];
      if (!environment) throw new ApiError('user', `environment "${env}" is not in calma.yml (it has ${Object.keys(config.environments).join(', ')})`);
      // The upload is unpacked in a directory that is removed afterwards: a relative bind mount would point nowhere.
      const relativeBind = config.volumes.find((v) => v.type === 'bind' && !v.source.startsWith('/'));
      if (relativeBind && relativeBind.type === 'bind') {
        throw new ApiError('user', `volumes: the bind mount ${relativeBind.source} is relative to your directory, which the daemon does not keep; use an absolute path on the server`);
      }
      // A missing secret stops the deployment before anything is queued or built.
      appSecrets(deps, config.app, config.secrets);
      const checkout = { dir: work, commit: query.commit ?? '', branch: query.branch ?? '', tags: query.tags ? query.tags.split(',') : [], dirty: query.commit ? query.dirty === '1' : true };
      const [end] = await pipelines.submit({ trigger: 'cli', actor: actorOf(ctx.principal), checkout, config, targets: [{ env, domains: environment.domains }], noWait: query.wait === '0', onEvent: send });
      // A failure's reason is the line the user needs; a pipeline that never ran says why.
      if (end && end.status === 'failed') throw new UserError(end.reason ?? `pipeline ${end.id} failed`);
      if (end && end.status !== 'succeeded') throw new UserError(`pipeline ${end.id} ${end.status}${end.reason ? `: ${end.reason}` : ''}`);
      send({ type: 'end' });
    } finally {
      await flush();
      rmSync(work, { recursive: true, force: true });
      rmSync(body.path, { force: true });
    }
  };
}
