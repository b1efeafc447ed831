// Tearing one environment down (a preview whose branch went away): its route
// first, so the edge stops sending traffic, then its containers and network,
// its certificate, and with `volumes` its data. Other environments of the app
// are untouched. Its backups stay: data is only deleted on purpose.
import type Docker from 'dockerode';
import { rmSync } from 'node:fs';
import { envCertDir } from '../certs/paths.js';
import { checkAppEnv, isEnvVolume } from '../runtime/names.js';
import type { Db } from '../state/db.js';
import type { EdgePort } from './execute.js';

export interface RemoveEnvDeps {
  home: string;
  docker: Docker;
  db: Db;
  edge: EdgePort;
}

export interface RemovedEnv {
  containers: number;
  volumes: string[];
}

export async function removeEnvironment(deps: RemoveEnvDeps, app: string, env: string, opts: { volumes: boolean }): Promise<RemovedEnv> {
  checkAppEnv(app, env);
  await deps.edge.remove(app, env);
  const labels = [`calma.app=${app}`, `calma.env=${env}`];
  const containers = await deps.docker.listContainers({ all: true, filters: { label: labels } });
  for (const c of containers) await deps.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  const networks = await deps.docker.listNetworks({ filters: { label: labels } });
  for (const n of networks) await deps.docker.getNetwork(n.Id).remove().catch(() => undefined);
  const volumes: string[] = [];
  if (opts.volumes) {
    const { Volumes } = await deps.docker.listVolumes();
    for (const v of (Volumes ?? []).filter((v) => isEnvVolume(app, env, v.Name))) {
      await deps.docker.getVolume(v.Name).remove();
      volumes.push(v.Name);
    }
  }
  deps.db.transaction(() => {
    deps.db.prepare('DELETE FROM edge_addresses WHERE app = ? AND env = ?').run(app, env);
    deps.db.prepare('DELETE FROM certs WHERE app = ? AND env = ?').run(app, env);
  })();
  rmSync(envCertDir(deps.home, app, env), { recursive: true, force: true });
  return { containers: containers.length, volumes };
}
