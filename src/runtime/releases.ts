// What the engine holds for one environment, read from calma's labels: the
// web containers grouped by the deployment that made them, newest first.
import type Docker from 'dockerode';
import type { RunningRelease } from '../deploy/plan.js';

export interface EngineRelease extends RunningRelease {
  release: string;
  created: number;
  /** Whether each container (same index as `containers`) was running when the engine listed it. */
  runningNow: boolean[];
}

/** The labels that say where a calma container sits on the edge network. */
export type AddressLabels = Record<string, string>;

/**
 * The labels of the engine's containers (running or stopped, of any calma home) holding one of
 * these fixed addresses, or, without `addresses`, every one holding any.
 */
export async function addressHolders(docker: Docker, addresses?: readonly string[]): Promise<AddressLabels[]> {
  const list = (label: string) => docker.listContainers({ all: true, filters: { label: [label] } });
  const found = addresses === undefined ? [await list('calma.address')] : await Promise.all(addresses.map((a) => list(`calma.address=${a}`)));
  return found.flat().map((c) => c.Labels);
}

/** The addresses held, except by the slot being deployed: its older releases share its addresses. */
export function addressesInUse(holders: readonly AddressLabels[], except: { app: string; env: string; slot: string }): Set<string> {
  const own = (l: AddressLabels): boolean => l['calma.app'] === except.app && l['calma.env'] === except.env && l['calma.slot'] === except.slot;
  return new Set(holders.filter((l) => !own(l)).map((l) => l['calma.address'] ?? ''));
}

export async function listReleases(docker: Docker, app: string, env: string): Promise<EngineRelease[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`calma.app=${app}`, `calma.env=${env}`, 'calma.role=web'] },
  });
  return groupReleases(containers);
}

/** Every environment's releases from one container list (what the daemon's start-up reads). */
export async function listAllReleases(docker: Docker): Promise<Map<string, { app: string; env: string; releases: EngineRelease[] }>> {
  const containers = await docker.listContainers({ all: true, filters: { label: ['calma.role=web'] } });
  const byEnv = new Map<string, Docker.ContainerInfo[]>();
  for (const c of containers) {
    const key = `${c.Labels['calma.app']}/${c.Labels['calma.env']}`;
    byEnv.set(key, [...(byEnv.get(key) ?? []), c]);
  }
  return new Map([...byEnv].map(([key, list]) => [key, { app: list[0]!.Labels['calma.app']!, env: list[0]!.Labels['calma.env']!, releases: groupReleases(list) }]));
}

/** Web containers grouped by the deployment that made them, newest first. */
function groupReleases(containers: readonly Docker.ContainerInfo[]): EngineRelease[] {
  const byDeployment = new Map<string, EngineRelease>();
  for (const c of containers) {
    const id = c.Labels['calma.deployment'] ?? '';
    const name = (c.Names[0] ?? '').replace(/^\//, '');
    const slot = c.Labels['calma.slot'] === 'b' ? 'b' : 'a';
    const port = Number(c.Labels['calma.port'] ?? 0);
    const r = byDeployment.get(id) ?? { deploymentId: id, containers: [], addresses: [], runningNow: [], slot, port, running: false, release: c.Labels['calma.release'] ?? '', created: c.Created, imageId: c.ImageID };
    // Kept in step with containers (same index), sorted together below.
    r.containers.push(name);
    r.addresses.push(c.Labels['calma.address'] ?? '');
    r.runningNow.push(c.State === 'running');
    r.running ||= c.State === 'running';
    r.created = Math.max(r.created, c.Created);
    byDeployment.set(id, r);
  }
  for (const r of byDeployment.values()) {
    const rows = r.containers.map((name, i) => [name, r.addresses[i] ?? '', r.runningNow[i] ?? false] as const).sort((x, y) => x[0].localeCompare(y[0]));
    r.containers = rows.map((p) => p[0]);
    r.addresses = rows.map((p) => p[1]);
    r.runningNow = rows.map((p) => p[2]);
  }
  // Deployment ids sort by time too; they break ties within the same second.
  return [...byDeployment.values()].sort((a, b) => b.created - a.created || b.deploymentId.localeCompare(a.deploymentId));
}
