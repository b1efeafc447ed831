// `calma restore`: a backup put back as a deployment of its own (journaled,
// with its steps and timing). The serving release is stopped so nothing
// writes while its data is replaced, then started again and health-checked:
// a restore is the one operation that takes the app down, briefly.
import type Docker from 'dockerode';
import { errorMessage, UserError } from '../errors.js';
import { checkedSnapshot, restoreSnapshot } from '../backup/restore.js';
import type { CalmaConfig } from '../config/schema.js';
import { listReleases } from '../runtime/releases.js';
import { forgetNeighbour } from '../runtime/neighbour.js';
import { newDeploymentId } from '../runtime/names.js';
import type { BackupStore } from '../state/backups.js';
import type { Journal } from '../state/journal.js';
import { httpProbe, waitHealthy } from './health.js';

export interface RestoreReleaseDeps {
  docker: Docker;
  journal: Journal;
  backups: { home: string; store: BackupStore };
  log: (line: string) => void;
  actor?: string;
}

export async function restoreRelease(deps: RestoreReleaseDeps, app: string, env: string, backupId: string, configOf: (release: string) => CalmaConfig | undefined): Promise<{ deploymentId: string }> {
  const live = (await listReleases(deps.docker, app, env)).find((r) => r.running);
  if (!live) throw new UserError(`${app}/${env} has no running release to restore into`);
  const config = configOf(live.release);
  if (!config) throw new UserError(`the configuration of ${app}/${env} ${live.release} is unknown to this daemon`);
  const id = newDeploymentId();
  deps.journal.startDeployment({ id, app, env, releaseId: `${app}:${env}:${live.release}`, previousReleaseId: live.release, kind: 'restore', actor: deps.actor });
  const data = { docker: deps.docker, home: deps.backups.home, store: deps.backups.store, log: deps.log };
  const step = async <T>(name: string, detail: unknown, fn: () => Promise<T>): Promise<T> => {
    const seq = deps.journal.stepStarted(id, name, detail);
    try {
      const out = await fn();
      deps.journal.stepEnded(id, seq, 'done');
      return out;
    } catch (e) {
      deps.journal.stepEnded(id, seq, 'failed');
      throw e;
    }
  };
  const start = async () => {
    await Promise.all(live.containers.map((c) => deps.docker.getContainer(c).start().catch((e: { statusCode?: number }) => (e.statusCode === 304 ? undefined : Promise.reject(e)))));
    // Back on the same addresses with new interfaces: see forgetNeighbour.
    await Promise.all(live.addresses.map((a) => forgetNeighbour(a)));
  };
  let stopped = false;
  try {
    // Verified before anything stops: a damaged snapshot leaves the app as it was.
    await step('verify', { backup: backupId }, () => checkedSnapshot(data, app, env, backupId));
    deps.log(`backup ${backupId} verified (sha256 of every file)`);
    await step('stop', { containers: live.containers }, () => Promise.all(live.containers.map((c) => deps.docker.getContainer(c).stop({ t: 10 }))));
    stopped = true;
    deps.log(`stopped ${live.containers.join(', ')}`);
    await step('restore', { backup: backupId }, () => restoreSnapshot(data, app, env, backupId));
    await step('start', { containers: live.containers }, start);
    stopped = false;
    const targets = live.containers.map((name, i) => ({ name, host: live.addresses[i] ?? '', port: live.port }));
    const hc = config.web.healthcheck;
    await step('health', { containers: live.containers }, () =>
      waitHealthy(targets, { path: hc.path, intervalMs: hc.interval, timeoutMs: hc.timeout, deadlineMs: hc.deadline }, {
        probe: httpProbe,
        stopped: async (t) => ((await deps.docker.getContainer(t.name).inspect()).State.Running ? undefined : 'stopped'),
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        now: () => Date.now(),
      }),
    );
    deps.log(`${app}/${env} ${live.release} serves again, with the data of backup ${backupId}`);
  } catch (e) {
    // Whatever failed, the app does not stay down because of it.
    if (stopped) await start().catch(() => undefined);
    deps.journal.finishDeployment(id, 'failed', errorMessage(e));
    throw Object.assign(e as Error, { deploymentId: id });
  }
  deps.journal.finishDeployment(id, 'succeeded');
  return { deploymentId: id };
}
