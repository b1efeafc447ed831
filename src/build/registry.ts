// Pushing a build's tags to the configured registry. Reachability and
// credentials are checked before anything is built, so a registry problem is
// one line at the start rather than a half-pushed release at the end.
import type Docker from 'dockerode';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UnavailableError, UserError, errorMessage } from '../errors.js';
import { followEngineStream, streamError } from '../docker/progress-stream.js';

export interface RegistrySettings {
  server: string;
  image: string;
  username?: string | undefined;
  password_env?: string | undefined;
  password_file?: string | undefined;
}

export interface RegistryTarget {
  server: string;
  /** server/image: the repository every tag is pushed to. */
  repository: string;
  auth: { username: string; password: string; serveraddress: string } | undefined;
}

export function resolveRegistry(cfg: RegistrySettings, appDir: string, env: NodeJS.ProcessEnv = process.env): RegistryTarget {
  let password: string | undefined;
  if (cfg.password_env !== undefined) {
    password = env[cfg.password_env];
    if (password === undefined || password === '') throw new UserError(`registry.password_env: the variable ${cfg.password_env} is not set`);
  } else if (cfg.password_file !== undefined) {
    const file = resolve(appDir, cfg.password_file);
    if (!existsSync(file)) throw new UserError(`registry.password_file: ${file} does not exist`);
    password = readFileSync(file, 'utf8').trim();
  }
  if (password !== undefined && cfg.username === undefined) throw new UserError('registry.username: a password is configured but no username');
  const auth = cfg.username !== undefined ? { username: cfg.username, password: password ?? '', serveraddress: cfg.server } : undefined;
  return { server: cfg.server, repository: `${cfg.server}/${cfg.image}`, auth };
}

function isLoopback(server: string): boolean {
  const host = server.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Fails with one line when the registry does not answer or refuses the credentials. */
export async function checkRegistry(docker: Docker, target: RegistryTarget): Promise<void> {
  // Loopback registries speak plain HTTP (the engine treats 127.0.0.0/8 as insecure); others HTTPS.
  const url = `${isLoopback(target.server) ? 'http' : 'https'}://${target.server}/v2/`;
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? errorMessage(e);
    throw new UnavailableError(`registry ${target.server} is unreachable (${cause})`);
  }
  if (!target.auth) return;
  try {
    await docker.checkAuth(target.auth);
  } catch (e) {
    // dockerode wraps the engine's answer in an HTTP status line; the engine's own message is the useful part.
    const engineMessage = (e as { json?: { message?: string } }).json?.message ?? errorMessage(e);
    throw new UnavailableError(`registry ${target.server} refused the credentials of ${target.auth.username}: ${oneLine(engineMessage)}`);
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Tags the image as repository:tag for every tag and pushes them; returns the manifest digest. */
export async function pushTags(docker: Docker, imageId: string, target: RegistryTarget, tags: readonly string[], onLine: (l: string) => void): Promise<string> {
  let digest: string | undefined;
  for (const tag of tags) {
    await docker.getImage(imageId).tag({ repo: target.repository, tag });
    const stream = await docker.getImage(`${target.repository}:${tag}`).push({ tag, ...(target.auth ? { authconfig: target.auth } : {}) });
    const messages = await followEngineStream(docker, stream, (m) => {
      if (m.aux?.Digest) digest = m.aux.Digest;
    });
    const failure = streamError(messages);
    if (failure !== undefined) throw new UnavailableError(`push of ${target.repository}:${tag} failed: ${oneLine(failure)}`);
    onLine(`pushed ${target.repository}:${tag}`);
  }
  if (digest === undefined) throw new UnavailableError(`registry ${target.server} reported no digest for ${target.repository}`);
  return digest;
}
