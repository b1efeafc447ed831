// Starting one web replica: the image with its env, volumes and command, on
// the edge network, labelled so the engine itself says what it is.
import type Docker from 'dockerode';
import type { VolumeSpec } from '../config/schema.js';
import { EDGE_NETWORK, volumeName } from './names.js';
import { forgetNeighbour } from './neighbour.js';

export interface WebContainerSpec {
  name: string;
  image: string;
  app: string;
  env: string;
  deploymentId: string;
  release: string;
  /** The edge slot this release goes into, and this replica's fixed address in it. */
  slot: 'a' | 'b';
  address: string;
  port: number;
  command: string[] | undefined;
  environment: Record<string, string>;
  volumes: readonly VolumeSpec[];
  /** Extra engine settings for tests (e.g. Dns). */
  dns?: string[];
  /** A second network to join (the environment's, where its services answer by name). */
  network?: string;
  /** The host done forgetting `address` already (see forgetNeighbour): awaited instead of forgetting it here. */
  forgotten?: Promise<void>;
}

export function webLabels(s: Pick<WebContainerSpec, 'app' | 'env' | 'deploymentId' | 'release' | 'slot' | 'address' | 'port'>): Record<string, string> {
  return {
    'calma.app': s.app,
    'calma.env': s.env,
    'calma.deployment': s.deploymentId,
    'calma.release': s.release,
    'calma.role': 'web',
    // Where the edge reaches it, readable from a container list without inspecting each one.
    'calma.slot': s.slot,
    'calma.address': s.address,
    'calma.port': String(s.port),
  };
}

/** Engine mounts for calma.yml volumes; the release command gets the same as the web containers. */
export function volumeMounts(volumes: readonly VolumeSpec[], app: string, env: string): Docker.MountSettings[] {
  return volumes.map((v): Docker.MountSettings => {
    if (v.type === 'tmpfs') return { Type: 'tmpfs', Source: '', Target: v.target, ...(v.size !== undefined ? { TmpfsOptions: { SizeBytes: v.size, Mode: 0o1777 } } : {}) };
    // Named volumes are per app and environment, so two apps' (or a preview's and production's) "uploads" never meet.
    if (v.type === 'volume') return { Type: 'volume', Source: volumeName(app, env, v.source), Target: v.target, ReadOnly: v.readOnly };
    // Relative host paths are resolved against the app directory by the caller; the engine needs absolute ones.
    if (!v.source.startsWith('/')) throw new Error(`bind mount source ${v.source} must be resolved to an absolute path first`);
    return { Type: 'bind', Source: v.source, Target: v.target, ReadOnly: v.readOnly };
  });
}

export async function startWebContainer(docker: Docker, s: WebContainerSpec): Promise<{ id: string; ip: string }> {
  // The host forgets the address before the container starts, not after: nothing on the
  // host talks to a slot's address between the two (the edge never sends to a standby
  // slot). A deployment has it forgotten while it builds; otherwise it is done here, while
  // the container is created.
  const forgotten = s.forgotten ?? forgetNeighbour(s.address);
  const container = await docker.createContainer({
    name: s.name,
    Image: s.image,
    ...(s.command ? { Cmd: s.command } : {}),
    Env: Object.entries(s.environment).map(([k, v]) => `${k}=${v}`),
    Labels: webLabels(s),
    ExposedPorts: { [`${s.port}/tcp`]: {} },
    HostConfig: {
      NetworkMode: EDGE_NETWORK,
      Mounts: volumeMounts(s.volumes, s.app, s.env),
      RestartPolicy: { Name: 'unless-stopped' },
      ...(s.dns ? { Dns: s.dns } : {}),
    },
    NetworkingConfig: { EndpointsConfig: { [EDGE_NETWORK]: { IPAMConfig: { IPv4Address: s.address } } } },
  });
  if (s.network) await docker.getNetwork(s.network).connect({ Container: container.id });
  await forgotten;
  await container.start();
  return { id: container.id, ip: s.address };
}
