// A second Docker engine on this machine, holding nothing, for measuring side
// by side in time: a figure taken with one app and one taken with a thousand,
// 25 minutes apart, differ by the machine's own drift too (its CPU ran 1.8x
// slower in one run's second half). This engine gets its own network namespace
// (its own links, neighbours and iptables) and a private mount namespace, so
// the other engine's thousand containers are in none of its tables: its runc
// reads a mount table of a few dozen lines, not of two thousand. What the two
// still share is the kernel, the disk and the two cores.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { buildHelperImage } from '../../src/runtime/helper-image.js';
import { cmd, must, onCleanup, sleep, stopPid } from './run.js';

const CGROUPS = '/sys/fs/cgroup';

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not in this hierarchy (or one name of a hierarchy mounted twice, cpu and cpuacct)
  }
}

export interface Engine {
  /** For the docker CLI and calma: DOCKER_HOST. */
  env: { DOCKER_HOST: string };
  /** The network namespace's path, for `nsenter --net=`. */
  netns: string;
  docker: Docker;
}

/** The engine's dockerd with its own data: every path carries `name`. */
export async function startEmptyEngine(name: string): Promise<Engine> {
  const dataRoot = `/var/lib/${name}`;
  const execRoot = `/run/${name}`;
  const socket = `${execRoot}/docker.sock`;
  const netns = `/run/netns/${name}`;
  await must('ip', ['netns', 'add', name]);
  onCleanup(`network namespace ${name}`, () => cmd('ip', ['netns', 'del', name]));
  await must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  mkdirSync(dataRoot, { recursive: true });
  mkdirSync(execRoot, { recursive: true });
  onCleanup(`${dataRoot} and ${execRoot}`, () => {
    rmSync(dataRoot, { recursive: true, force: true });
    rmSync(execRoot, { recursive: true, force: true });
  });
  const log = openSync(`${execRoot}.log`, 'w');
  // unshare and nsenter exec what they run: the pid is dockerd's. `nsenter`, not `ip netns exec`,
  // which remounts /sys and hides the cgroup hierarchy from dockerd.
  const args = ['--mount', '--propagation', 'private', 'nsenter', `--net=${netns}`, 'dockerd', '--data-root', dataRoot, '--exec-root', execRoot, '--pidfile', `${execRoot}/dockerd.pid`, '-H', `unix://${socket}`, '--cgroup-parent', name];
  const child = spawn('unshare', args, { stdio: ['ignore', log, log] });
  closeSync(log);
  const docker = new Docker({ socketPath: socket });
  onCleanup(`dockerd ${name}`, async () => {
    // Its containers first, so no shim outlives it in its mount namespace.
    const ids = (await docker.listContainers({ all: true }).catch(() => [])).map((c) => c.Id);
    await Promise.all(ids.map((id) => docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined)));
    await stopPid(child.pid, 30_000);
    rmSync(`${execRoot}.log`, { force: true });
    // The cgroup it made in each hierarchy, empty once its containers are gone.
    for (const hierarchy of readdirSync(CGROUPS)) rmdirQuietly(join(CGROUPS, hierarchy, name));
  });
  for (const deadline = Date.now() + 30_000; ; await sleep(200)) {
    if (await docker.ping().then(() => true, () => false)) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`dockerd ${name} did not start (see ${execRoot}.log)`);
  }
  await buildHelperImage(docker);
  return { env: { DOCKER_HOST: `unix://${socket}` }, netns, docker };
}
