// The Docker engine through its CLI, as an operator would use it. Everything a
// bench creates carries a label (or calma's own calma.app) and is removed by it.
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { dockerOptions, engineAddress } from '../../src/docker/client.js';
import { removeOrphanSources } from '../../src/runtime/image-source.js';
import { cmd, must, onCleanup, tempDir } from './run.js';

/** The checkout: above dist/ when built there, else (another outDir) the directory the bench runs from. */
export const repoRoot = [join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), process.cwd()].find((d) => existsSync(join(d, 'test', 'fixtures'))) ?? process.cwd();
export const webFixture = join(repoRoot, 'test', 'fixtures', 'apps', 'web');

/** The build sources the removed images named (calma-source tags), once no image names them. */
const sweepSources = (): Promise<number> => removeOrphanSources(new Docker(dockerOptions(engineAddress())));

/** Removes the containers and images carrying a label (key=value), also on failure. */
export function cleanupLabel(label: string): void {
  onCleanup(`docker objects ${label}`, () => removeLabelled(label));
}

export async function removeLabelled(label: string): Promise<void> {
  const ids = (await must('docker', ['ps', '-aq', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  if (ids.length > 0) await cmd('docker', ['rm', '-f', ...ids]);
  const images = (await must('docker', ['images', '-q', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  if (images.length > 0) await cmd('docker', ['rmi', '-f', ...new Set(images)]);
  await sweepSources();
}

/**
 * Removes, also on failure, what calma made for every app whose name starts with prefix: containers,
 * networks and volumes by their calma.app label, images by repository. One listing of each and
 * removals by the hundred, for a thousand apps.
 */
export function cleanupAppsByPrefix(prefix: string): void {
  onCleanup(`docker objects of apps ${prefix}*`, async () => {
    await removeAppContainers(prefix);
    await remove(['network', 'rm'], await mine(prefix, ['network', 'ls'], '{{.ID}}'));
    await remove(['volume', 'rm', '-f'], await mine(prefix, ['volume', 'ls'], '{{.Name}}'));
    const images = (await must('docker', ['images', '-q', '--filter', `reference=${prefix}*`])).split('\n').filter(Boolean);
    await remove(['rmi', '-f'], [...new Set(images)]);
    await sweepSources();
  });
}

/** The containers of every app whose name starts with prefix, removed (by their calma.app label). */
export async function removeAppContainers(prefix: string): Promise<void> {
  await remove(['rm', '-f'], await mine(prefix, ['ps', '-a'], '{{.ID}}'));
}

/** The `id` of each object a docker listing shows with a calma.app label starting with prefix. */
async function mine(prefix: string, list: string[], id: string): Promise<string[]> {
  return (await must('docker', [...list, '--filter', 'label=calma.app', '--format', `${id} {{.Label "calma.app"}}`], { timeoutMs: 300_000 }))
    .split('\n')
    .flatMap((l) => (l.split(' ')[1]?.startsWith(prefix) ? [l.split(' ')[0]!] : []));
}

/** A docker removal command over ids, a hundred at a time. */
async function remove(rm: string[], ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 100) await cmd('docker', [...rm, ...ids.slice(i, i + 100)], { timeoutMs: 600_000 });
}

/** The web fixture (busybox httpd: VERSION at /, health at /cgi-bin/up) as an app dir with a calma.yml. */
export function webAppDir(parent: string, name: string, calmaYml: string): string {
  const dir = join(parent, name);
  cpSync(webFixture, dir, { recursive: true });
  writeFileSync(join(dir, 'calma.yml'), calmaYml);
  return dir;
}

/** A calma.yml for the web fixture serving VERSION at `domain` (or several) over plain HTTP, or with `https`. */
export function webCalmaYml(app: string, domain: string | string[], version: string, extra = '', https = false): string {
  return `app: ${app}
build:
  target: production
  args: { VERSION: ${version} }
web:
  port: 8080
  healthcheck: { path: /cgi-bin/up, interval: 100ms }
${extra}domains: [${[domain].flat().join(', ')}]
https: ${https}
`;
}

/** docker build of a directory with build args and a label. */
export async function buildImage(dir: string, tag: string, label: string, args: Record<string, string> = {}): Promise<void> {
  const a = Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  await must('docker', ['build', '-q', '--label', label, '-t', tag, ...a, dir], { timeoutMs: 300_000 });
}

/** A user-defined bridge network with its own subnet, so a container can keep a fixed IP across runs. */
export async function fixedIpNetwork(name: string, label: string): Promise<{ name: string; ip: (host: number) => string }> {
  let lastError = '';
  for (let i = 0; i < 8; i++) {
    const third = 16 + Math.floor(Math.random() * 200);
    const r = await cmd('docker', ['network', 'create', '--label', label, '--subnet', `10.213.${third}.0/24`, name]);
    if (r.code === 0) {
      // Its containers first: a network with a container attached cannot be removed.
      onCleanup(`network ${name}`, async () => (await removeLabelled(label), must('docker', ['network', 'rm', name])));
      return { name, ip: (host) => `10.213.${third}.${host}` };
    }
    lastError = r.stderr;
  }
  throw new Error(`could not create network ${name}: ${lastError}`);
}

/** The IPv4 address of a container on a network. */
export async function containerIp(container: string, network: string): Promise<string> {
  const out = await must('docker', ['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container]);
  const ip = out.trim();
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new Error(`container ${container} has no address on ${network}`);
  return ip;
}

/** The names of running containers of a calma app. */
export async function appContainers(app: string): Promise<string[]> {
  return (await must('docker', ['ps', '--filter', `label=calma.app=${app}`, '--filter', 'label=calma.role=web', '--format', '{{.Names}}'])).split('\n').filter(Boolean);
}

/**
 * An image holding the host's node binary and the libraries it links (no image
 * can be pulled here): the base of the keep-alive Node app of edge-cost.
 */
export async function buildNodeBase(tag: string, label: string): Promise<void> {
  const dir = tempDir('calma-bench-node-');
  const node = (await must('readlink', ['-f', process.execPath])).trim();
  const libs = (await must('ldd', [node])).split('\n').flatMap((l) => /(\/\S+) \(0x/.exec(l)?.[1] ?? []);
  const copies = [node, ...libs].map((p, i) => {
    cpSync(p, join(dir, `f${i}`), { dereference: true });
    return `COPY f${i} ${i === 0 ? '/usr/local/bin/node' : p}`;
  });
  writeFileSync(join(dir, 'Dockerfile'), ['FROM calma/busybox:base', ...copies, ''].join('\n'));
  await buildImage(dir, tag, label);
}
