// What the engine holds for one environment, read from calma's labels: the
// web containers grouped by the deployment that made them, newest first.
import type Docker from 'dockerode';
import type { RunningRelease } from '../deploy/plan.js';

export interface EngineRelease extends RunningRelease {
  release: string;
  created: number;
}

export async function listReleases(docker: Docker, app: string, env: string): Promise<EngineRelease[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`calma.app=${app}`, `calma.env=${env}`, 'calma.role=web'] },
  });
  const byDeployment = new Map<string, EngineRelease>();
  for (const c of containers) {
    const id = c.Labels['calma.deployment'] ?? '';
    const name = (c.Names[0] ?? '').replace(/^\//, '');
    const r = byDeployment.get(id) ?? { deploymentId: id, containers: [], running: false, release: c.Labels['calma.release'] ?? '', created: c.Created };
    r.containers.push(name);
    r.running ||= c.State === 'running';
    r.created = Math.max(r.created, c.Created);
    byDeployment.set(id, r);
  }
  for (const r of byDeployment.values()) r.containers.sort();
  // Deployment ids sort by time too; they break ties within the same second.
  return [...byDeployment.values()].sort((a, b) => b.created - a.created || b.deploymentId.localeCompare(a.deploymentId));
}
