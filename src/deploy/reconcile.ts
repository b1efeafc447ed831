// On start the daemon makes the engine, the journal and the edge agree again.
// A deployment a killed daemon left "running" is finished if its new release
// was already switched to and verified, and undone otherwise; then every
// environment's route is rewritten from the containers that really answer.
import type Docker from 'dockerode';
import { LABEL_ROLE } from '../build/label-image.js';
import { removeOrphanSources } from '../runtime/image-source.js';
import { forgetNeighbour } from '../runtime/neighbour.js';
import { listAllReleases, type EngineRelease } from '../runtime/releases.js';
import { AddressBook } from '../state/addresses.js';
import type { Db } from '../state/db.js';
import { releaseConfig } from '../state/history.js';
import type { Journal } from '../state/journal.js';
import type { EdgePort } from './execute.js';
import { httpProbe, probeSettled } from './health.js';
import { liveRelease } from './plan.js';

export interface ReconcileDeps {
  docker: Docker;
  db: Db;
  journal: Journal;
  edge: EdgePort;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

export async function reconcile(deps: ReconcileDeps): Promise<void> {
  for (const d of deps.journal.unfinished()) await settleInterrupted(deps, d);
  await removeOneOffs(deps.docker);
  // Beside the routes, before any build can start (the socket is not open yet): a build
  // tags its source only once the image naming it exists, but a sweep that read the list
  // before could still drop that tag.
  const sources = removeOrphanSources(deps.docker).then(
    (n) => (n > 0 ? deps.log('build sources no image names any more removed', { images: n }) : undefined),
    (e: unknown) => deps.log('build sources not swept', { error: (e as Error).message }),
  );
  // One container list for all environments, then a few at a time: a thousand apps
  // start in seconds, each probe bounded by its own health timeout.
  const all = await listAllReleases(deps.docker);
  // A route staged for a new environment whose release never started (the daemon stopped
  // while it built): nothing serves it, so its domains go back to the edge's 404.
  for (const { app, env } of deps.edge.unopenedStages?.() ?? []) {
    if (all.has(`${app}/${env}`)) continue;
    await deps.edge.remove(app, env);
    deps.log('staged route of a deployment that never started removed', { app, env });
  }
  const queue = [...all.values()];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) await rewriteRoute(deps, next.app, next.env, next.releases);
  };
  const rewriteAll = (): Promise<void[]> => Promise.all(Array.from({ length: RECONCILE_CONCURRENCY }, worker));
  await (deps.edge.batch ? deps.edge.batch(rewriteAll) : rewriteAll());
  await sources;
}

const RECONCILE_CONCURRENCY = 8;
/** A container that was serving gets this many probes, this far apart, before it is left out of the edge (see probeSettled). */
const START_PROBE_ATTEMPTS = 3;
const START_PROBE_PAUSE_MS = 500;

async function settleInterrupted(deps: ReconcileDeps, d: { id: string; app: string; env: string; kind: string }): Promise<void> {
  const steps = deps.journal.steps(d.id);
  if (d.kind === 'restore') {
    // A restore stops the serving release while it replaces the data: whatever step it died in, the
    // release is started again (the data may be half restored: the journal says so, and the backup is still there).
    const stopped = await deps.docker.listContainers({ all: true, filters: { label: [`calma.app=${d.app}`, `calma.env=${d.env}`, 'calma.role=web'] } });
    const newest = stopped.filter((c) => c.Labels['calma.deployment'] === stopped.sort((a, b) => b.Created - a.Created)[0]?.Labels['calma.deployment']);
    for (const c of newest) await deps.docker.getContainer(c.Id).start().catch(() => undefined);
    const last = steps[steps.length - 1]?.step ?? 'verify';
    deps.journal.finishDeployment(d.id, 'failed', `interrupted: the daemon stopped during ${last} of the restore; the release was started again, restore the backup again to be sure of the data`);
    deps.log('interrupted restore: release started again', { deployment: d.id, app: d.app, env: d.env });
    return;
  }
  const verified = steps.some((s) => s.step === 'verify' && s.status === 'done');
  const containers = await deps.docker.listContainers({ all: true, filters: { label: [`calma.deployment=${d.id}`] } });
  if (verified) {
    // Green was serving and checked: finish the job by stopping the other releases of the environment.
    const others = await deps.docker.listContainers({ filters: { label: [`calma.app=${d.app}`, `calma.env=${d.env}`, 'calma.role=web'] } });
    for (const c of others.filter((o) => o.Labels['calma.deployment'] !== d.id)) await deps.docker.getContainer(c.Id).stop({ t: 10 }).catch(() => undefined);
    deps.journal.finishDeployment(d.id, 'succeeded');
    deps.log('interrupted deployment completed', { deployment: d.id, app: d.app, env: d.env });
    return;
  }
  for (const c of containers) await deps.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  // It had staged its route (nothing served before it): with nothing serving now either, the route goes.
  if (steps.some((s) => s.step === 'stage')) {
    const serving = await deps.docker.listContainers({ filters: { label: [`calma.app=${d.app}`, `calma.env=${d.env}`, 'calma.role=web'] } });
    if (serving.length === 0) await deps.edge.remove(d.app, d.env);
  }
  const last = steps[steps.length - 1]?.step ?? 'start';
  deps.journal.finishDeployment(d.id, 'failed', `interrupted: the daemon stopped during ${last}`);
  deps.log('interrupted deployment undone', { deployment: d.id, app: d.app, env: d.env, removed: containers.length });
}

/** Test runs, release commands and label commits are one-off containers; a killed daemon may have left some. */
async function removeOneOffs(docker: Docker): Promise<void> {
  for (const role of ['test', 'release', LABEL_ROLE]) {
    const left = await docker.listContainers({ all: true, filters: { label: [`calma.role=${role}`] } });
    // `v` drops the anonymous volumes an image VOLUME gave them; named volumes stay.
    for (const c of left) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
}

async function rewriteRoute(deps: ReconcileDeps, app: string, env: string, releases: readonly EngineRelease[]): Promise<void> {
  const serving = liveRelease(releases);
  const config = serving && releaseConfig(deps.db, app, env, serving.release);
  if (!serving || !config) return;
  const upstreams = [];
  for (const [i, name] of serving.containers.entries()) {
    // Running as of the one container list read for all environments: a thousand apps need no inspect each.
    const ip = serving.addresses[i];
    if (!serving.runningNow[i] || !ip) continue;
    const probe = await probeSettled(() => httpProbe({ name, host: ip, port: serving.port }, config.web.healthcheck.path, config.web.healthcheck.timeout), {
      attempts: START_PROBE_ATTEMPTS,
      pauseMs: START_PROBE_PAUSE_MS,
      beforeRetry: () => forgetNeighbour(ip),
    });
    if (probe.ok) upstreams.push({ host: ip, port: serving.port });
    else deps.log('container not healthy at start, left out of the edge', { container: name, answer: probe.answer, attempts: START_PROBE_ATTEMPTS });
  }
  // The other slot as the last deployment left it, so the file comes out as it was written then.
  const other = releases.find((r) => r.slot !== serving.slot);
  const standby = other
    ? other.addresses.map((host) => ({ host, port: other.port }))
    : new AddressBook(deps.db).lookup(app, env, serving.slot === 'a' ? 'b' : 'a').map((host) => ({ host, port: serving.port }));
  await deps.edge.apply({ app, env, domains: config.environments[env]?.domains ?? [], upstreams, slot: serving.slot, standby, maxBodyBytes: config.web.max_body, release: serving.release, https: config.https, hsts: config.hsts });
}
