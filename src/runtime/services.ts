// Accessory services (a database, a cache): one container each per
// environment, on the environment's private network where the app reaches it
// by its name (`db`). A deployment leaves a service alone unless its own
// definition changed (its hash label says), and then says that it recreates it.
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { isDnsLabel } from '../config/names.js';
import { checkAppEnv } from './names.js';
import type { VolumeSpec } from '../config/schema.js';
import { UserError } from '../errors.js';
import { volumeMounts } from './web-container.js';

export interface ServiceSpec {
  name: string;
  image: string;
  command: string[] | undefined;
  environment: Record<string, string>;
  volumes: readonly VolumeSpec[];
  /** The container port it listens on, when calma.yml says. */
  port?: number | undefined;
}

/** The environment's private network: its web containers, release command and services. */
export function envNetworkName(app: string, env: string): string {
  checkAppEnv(app, env);
  return `calma-${app}-${env}`;
}

export function serviceContainerName(app: string, env: string, service: string): string {
  checkAppEnv(app, env);
  if (!isDnsLabel(service)) throw new UserError(`invalid service name "${service}"`);
  return `calma-${app}-${env}-svc-${service}`;
}

/** What makes two definitions the same service: a change to any of it recreates the container. */
export function serviceHash(s: ServiceSpec): string {
  // The port is appended only when set, so services defined before `port` existed keep their hash and are not recreated.
  const canonical = JSON.stringify([s.image, s.command ?? null, Object.entries(s.environment).sort(), s.volumes, ...(s.port !== undefined ? [s.port] : [])]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export async function ensureEnvNetwork(docker: Docker, app: string, env: string): Promise<string> {
  const name = envNetworkName(app, env);
  const exact = (await docker.listNetworks({ filters: { name: [name] } })).find((n) => n.Name === name);
  if (exact) return name;
  await docker
    .createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { 'calma.app': app, 'calma.env': env, 'calma.role': 'network' } })
    .catch(async (e: unknown) => {
      // Two deployments may race to create it; the loser uses the winner's.
      if (!(await docker.listNetworks({ filters: { name: [name] } })).some((n) => n.Name === name)) throw e;
    });
  return name;
}

export interface ServiceState {
  name: string;
  container: string;
  image: string;
  state: string;
  status: string;
  /** From calma.yml's `port` (its label), null when not given. */
  port: number | null;
}

export async function listServices(docker: Docker, app: string, env?: string): Promise<(ServiceState & { env: string })[]> {
  const label = ['calma.role=service', `calma.app=${app}`, ...(env ? [`calma.env=${env}`] : [])];
  const containers = await docker.listContainers({ all: true, filters: { label } });
  return containers
    .map((c) => ({
      name: c.Labels['calma.service'] ?? '',
      env: c.Labels['calma.env'] ?? '',
      container: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      state: c.State,
      status: c.Status,
      port: c.Labels['calma.port'] ? Number(c.Labels['calma.port']) : null,
    }))
    .sort((a, b) => a.env.localeCompare(b.env) || a.name.localeCompare(b.name));
}

/** Removes service containers (their volumes, i.e. their data, stay). */
export async function removeServices(docker: Docker, app: string, env: string, names: readonly string[], log: (line: string) => void): Promise<void> {
  for (const name of names) {
    await docker
      .getContainer(serviceContainerName(app, env, name))
      .remove({ force: true })
      .catch((e: { statusCode?: number }) => {
        if (e.statusCode !== 404) throw e;
      });
    log(`service ${name} is no longer in calma.yml: removed (its volumes are kept)`);
  }
}

/** What the engine's own container list says of a service (`calma services` reads them back). */
function serviceLabels(app: string, env: string, spec: ServiceSpec, hash: string): Record<string, string> {
  return {
    'calma.app': app,
    'calma.env': env,
    'calma.role': 'service',
    'calma.service': spec.name,
    'calma.service-hash': hash,
    ...(spec.port !== undefined ? { 'calma.port': String(spec.port) } : {}),
  };
}

/** A service's image from the engine, pulled when it is not there yet. */
async function ensureImage(docker: Docker, spec: ServiceSpec): Promise<void> {
  const present = await docker
    .getImage(spec.image)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (present) return;
  try {
    const stream = await docker.pull(spec.image);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  } catch (e) {
    throw new UserError(`service ${spec.name}: the image ${spec.image} is not in the engine and could not be pulled (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * Makes the environment's services in `specs` run as defined: new ones started,
 * changed ones recreated (their volumes, and so their data, kept), unchanged ones
 * left running (or started if stopped). Services no longer defined are left to
 * removeServices, which a deployment runs only once the new release serves.
 */
export async function ensureServices(
  docker: Docker,
  app: string,
  env: string,
  specs: readonly ServiceSpec[],
  o: { log: (line: string) => void; dns?: string[] },
): Promise<void> {
  if (specs.length === 0) return;
  const existing = await docker.listContainers({ all: true, filters: { label: ['calma.role=service', `calma.app=${app}`, `calma.env=${env}`] } });
  const network = await ensureEnvNetwork(docker, app, env);
  for (const spec of specs) {
    const hash = serviceHash(spec);
    const name = serviceContainerName(app, env, spec.name);
    const found = existing.find((c) => c.Labels['calma.service'] === spec.name);
    if (found && found.Labels['calma.service-hash'] === hash) {
      if (found.State !== 'running') {
        await docker.getContainer(found.Id).start();
        o.log(`service ${spec.name} was ${found.State}: started`);
      }
      continue;
    }
    if (found) {
      await docker.getContainer(found.Id).remove({ force: true });
      o.log(`service ${spec.name} changed (${spec.image}): recreated, its volumes kept`);
    }
    await ensureImage(docker, spec);
    const container = await docker.createContainer({
      name,
      Image: spec.image,
      ...(spec.command ? { Cmd: spec.command } : {}),
      Env: Object.entries(spec.environment).map(([k, v]) => `${k}=${v}`),
      ...(spec.port !== undefined ? { ExposedPorts: { [`${spec.port}/tcp`]: {} } } : {}),
      Labels: serviceLabels(app, env, spec, hash),
      HostConfig: {
        NetworkMode: network,
        Mounts: volumeMounts(spec.volumes, app, env),
        RestartPolicy: { Name: 'unless-stopped' },
        ...(o.dns ? { Dns: o.dns } : {}),
      },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [spec.name] } } },
    });
    await container.start();
    if (!found) o.log(`service ${spec.name} started (${spec.image})`);
  }
}
