// One deployment of an already built image to one environment: read what the
// engine runs, plan, journal, execute, and record the outcome. Deploys and
// rollbacks both come through here, so a rollback is as safe as a deploy.
import type Docker from 'dockerode';
import { resolve } from 'node:path';
import { errorMessage } from '../errors.js';
import type { CalmaConfig } from '../config/schema.js';
import type { AddressBook } from '../state/addresses.js';
import { newDeploymentId, webContainerName } from '../runtime/names.js';
import type { Journal } from '../state/journal.js';
import { executeDeployment, type EdgePort, type ExecutorDeps, type WebSpec } from './execute.js';
import { restoreSnapshot } from '../backup/restore.js';
import { takeBackup } from '../backup/take.js';
import { ensureServices, envNetworkName } from '../runtime/services.js';
import type { BackupStore } from '../state/backups.js';
import { backupRequest, hasBackupWork, serviceSpecs, undefinedServices } from './data.js';
import { planDeployment, servingContainers, type DeployTarget } from './plan.js';
import { prepareDeployment, type Prepared } from './prepare.js';

/** calma.yml's `keep`; a release recorded before that key existed (rolled back to) has none: its default then. */
function releasesKept(config: CalmaConfig): number {
  return (config as Partial<Pick<CalmaConfig, 'keep'>>).keep ?? 5;
}
const RELEASE_TIMEOUT_MS = 10 * 60_000;

export interface ReleaseInput {
  kind: 'deploy' | 'rollback';
  env: string;
  image: string;
  version: string;
  commit: string;
  branch: string;
  config: CalmaConfig;
  /** Where relative bind mounts in calma.yml are resolved from. */
  appDir: string;
  secrets: Record<string, string>;
  /** The git tags on the commit (recorded with the release). */
  tags?: readonly string[];
  /** `calma rollback --with-data`: this backup's data is restored before the release starts. */
  restoreBackup?: string;
  /** The environment `restoreBackup` was taken in, when not this one (a preview starting from production's data). */
  restoreFrom?: string;
  /** Read and reserved while the release was built (deploy/prepare.ts startEarly); else done here. */
  prepared?: Promise<Prepared>;
}

export interface DeployDeps {
  docker: Docker;
  edge: EdgePort;
  journal: Journal;
  addresses: AddressBook;
  log: (line: string) => void;
  /** Where backups are written; without it a deployment takes none. */
  backups?: { home: string; store: BackupStore };
  /** Engine DNS for app containers (tests keep lookups on loopback). */
  dns?: string[];
  /** Who asked for the deployment (a user, a token, a git push), for the history. */
  actor?: string;
}

export interface DeployOutcome {
  deploymentId: string;
  status: 'succeeded';
}

export async function deployRelease(input: ReleaseInput, deps: DeployDeps): Promise<DeployOutcome> {
  const { config, env } = input;
  const app = config.app;
  const deploymentId = newDeploymentId();
  const { releases, services, slot, addresses, standbyAddresses, forgotten } = await (input.prepared ?? prepareDeployment(deps, app, env, config.web.replicas));
  const target: DeployTarget = {
    app,
    env,
    deploymentId,
    image: input.image,
    replicas: config.web.replicas,
    healthDeadlineMs: config.web.healthcheck.deadline,
    drainMs: config.web.drain,
    releaseCommand: config.release,
    backup: deps.backups !== undefined && hasBackupWork(config) && releases.some((r) => r.running),
    services: Object.keys(config.services).length > 0,
    removedServices: undefinedServices(services, config),
    ...(input.restoreBackup ? { restoreBackup: input.restoreBackup } : {}),
    keep: releasesKept(config),
    slot,
    addresses,
    standbyAddresses,
    stageEdge: deps.edge.stage !== undefined && (config.environments[env]?.domains ?? []).length > 0,
    port: config.web.port,
  };
  const steps = planDeployment(releases, target, (r) => webContainerName(app, env, deploymentId, r));
  const web: WebSpec = {
    release: input.version,
    domains: config.environments[env]?.domains ?? [],
    port: config.web.port,
    command: config.web.command,
    environment: { ...config.env, ...input.secrets },
    volumes: config.volumes.map((v) => (v.type === 'bind' ? { ...v, source: resolve(input.appDir, v.source) } : v)),
    healthcheck: {
      path: config.web.healthcheck.path,
      intervalMs: config.web.healthcheck.interval,
      timeoutMs: config.web.healthcheck.timeout,
      deadlineMs: config.web.healthcheck.deadline,
    },
    maxBodyBytes: config.web.max_body,
    https: config.https,
    hsts: config.hsts,
    releaseTimeoutMs: RELEASE_TIMEOUT_MS,
    ...(deps.dns ? { dns: deps.dns } : {}),
    ...(Object.keys(config.services).length > 0 ? { network: envNetworkName(app, env) } : {}),
    forgotten,
  };
  const releaseId = `${app}:${env}:${input.version}`;
  deps.journal.recordRelease({ id: releaseId, app, env, image: input.image, version: input.version, commit: input.commit, branch: input.branch, configJson: JSON.stringify(config), tags: input.tags });
  deps.journal.startDeployment({ id: deploymentId, app, env, releaseId, previousReleaseId: releases.find((r) => r.running)?.release, kind: input.kind, actor: deps.actor });
  deps.log(`deployment ${deploymentId}: ${input.kind} ${input.image} to ${app}/${env} (${steps.map((s) => s.kind).join(' → ')})`);
  const live = releases.find((r) => r.running);
  const backupDeps = deps.backups && { docker: deps.docker, home: deps.backups.home, store: deps.backups.store, log: deps.log };
  const executor: ExecutorDeps = {
    ...deps,
    services: () => ensureServices(deps.docker, app, env, serviceSpecs(config), { log: deps.log, ...(deps.dns ? { dns: deps.dns } : {}) }),
    ...(backupDeps
      ? {
          backup: async () => {
            const manifest = await takeBackup(backupDeps, backupRequest(config, env, live?.release ?? input.version, 'deploy'));
            backupDeps.store.linkDeployment(deploymentId, manifest.id);
            return manifest.id;
          },
          restoreData: async (id: string) => {
            await restoreSnapshot(backupDeps, app, env, id, id === input.restoreBackup ? (input.restoreFrom ?? env) : env);
          },
        }
      : {}),
  };
  try {
    await executeDeployment(steps, target, web, servingContainers(releases), executor);
  } catch (e) {
    const reason = errorMessage(e);
    deps.journal.finishDeployment(deploymentId, 'failed', reason);
    throw Object.assign(e as Error, { deploymentId });
  }
  deps.journal.finishDeployment(deploymentId, 'succeeded');
  return { deploymentId, status: 'succeeded' };
}
