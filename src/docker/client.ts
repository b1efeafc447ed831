// One place that knows how to reach the Docker engine: DOCKER_HOST when set
// (unix:// or tcp://), else the local socket. Everything else gets a Dockerode.
// First: SSH and gRPC, which dockerode would load with it, load only if used.
import './lazy-deps.js';
import Docker from 'dockerode';
import { UnavailableError, errorMessage } from '../errors.js';

export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST && env.DOCKER_HOST !== '' ? env.DOCKER_HOST : 'unix:///var/run/docker.sock';
}

export function dockerOptions(address: string): Docker.DockerOptions {
  if (address.startsWith('unix://')) return { socketPath: address.slice('unix://'.length) };
  const url = new URL(address.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
}

/** Connects and pings, so a missing engine is one clear line rather than a stack later on. */
export async function connectDocker(env: NodeJS.ProcessEnv = process.env): Promise<Docker> {
  const address = engineAddress(env);
  const docker = new Docker(dockerOptions(address));
  try {
    await docker.ping();
  } catch (e) {
    throw new UnavailableError(`cannot reach the Docker engine at ${address}: ${errorMessage(e)} (is dockerd running?)`);
  }
  return docker;
}
