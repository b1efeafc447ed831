// The build context: the files of the context directory that .dockerignore
// lets through, as the engine would see them. Walking it ourselves (rather than
// letting tar decide) gives the size check, the empty check and a content hash
// of exactly what is sent.
import dockerignore from '@balena/dockerignore';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import { pack } from 'tar-fs';
import { UserError } from '../errors.js';
import { formatBytes } from './format.js';

export interface BuildContext {
  dir: string;
  /** Paths relative to dir, posix separators, sorted. */
  files: string[];
  bytes: number;
}

function readDockerignore(dir: string): string[] {
  const file = join(dir, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split(/\r?\n/);
}

/**
 * Lists what will be sent. The Dockerfile and .dockerignore are always sent,
 * even when ignored, as the engine needs them (the docker CLI does the same).
 */
export function collectContext(dir: string, dockerfile: string, maxBytes: number, alwaysSend: readonly string[] = []): BuildContext {
  if (!existsSync(dir) || !lstatSync(dir).isDirectory()) throw new UserError(`build context ${dir} is not a directory`);
  // The package is CommonJS with an ESM-style type declaration: take its default export.
  const ig = (dockerignore as unknown as typeof dockerignore.default)().add(readDockerignore(dir));
  const keep = new Set([posix.normalize(dockerfile), '.dockerignore', ...alwaysSend]);
  const files: string[] = [];
  let bytes = 0;
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        walk(path); // not pruned: a `!` rule may re-include a file below an ignored directory
        continue;
      }
      if (ig.ignores(path) && !keep.has(path)) continue;
      files.push(path);
      bytes += entry.isSymbolicLink() ? 0 : lstatSync(join(dir, path)).size;
      if (bytes > maxBytes) {
        throw new UserError(`build context ${dir} is over the limit of ${formatBytes(maxBytes)} (build.max_context); add large files to .dockerignore`);
      }
    }
  };
  walk('');
  files.sort();
  if (files.every((f) => f === '.dockerignore' || f === posix.normalize(dockerfile))) {
    throw new UserError(`build context ${dir} is empty: nothing but the Dockerfile would be sent (check .dockerignore)`);
  }
  return { dir, files, bytes };
}

/** sha256 over names, modes and contents: the identity of a build without a clean commit. */
export async function hashContext(ctx: BuildContext): Promise<string> {
  const h = createHash('sha256');
  for (const f of ctx.files) {
    const full = join(ctx.dir, f);
    const st = lstatSync(full);
    h.update(`${f}\0${st.mode & 0o777}\0`);
    if (st.isSymbolicLink()) h.update(readlinkSync(full));
    else for await (const chunk of createReadStream(full)) h.update(chunk as Buffer);
    h.update('\0');
  }
  return h.digest('hex');
}

/** A tar stream of exactly the collected files (parent directories are implied). */
export function packContext(ctx: BuildContext): NodeJS.ReadableStream {
  return pack(ctx.dir, { entries: ctx.files }) as unknown as NodeJS.ReadableStream;
}
