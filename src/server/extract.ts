// Unpacks an uploaded app directory. Entries that would land outside the
// target (.. paths, absolute names, links pointing out) are refused: an
// upload can only ever write inside its own work directory.
import { createReadStream } from 'node:fs';
import { isAbsolute, relative, resolve, dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-fs';
import { ApiError } from '../api/errors.js';

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export async function extractUpload(tarPath: string, dir: string): Promise<void> {
  const root = resolve(dir);
  let refused: string | undefined;
  const ignore = (name: string, header?: { type?: string | null; linkname?: string | null }): boolean => {
    const target = header?.linkname ? resolve(dirname(name), header.linkname) : name;
    if (inside(root, resolve(name)) && inside(root, target)) return false;
    refused ??= header?.linkname ? `${name} -> ${header.linkname}` : name;
    return true;
  };
  await pipeline(createReadStream(tarPath), extract(root, { ignore, readable: true, writable: true }));
  if (refused !== undefined) throw new ApiError('user', `the upload has an entry outside its directory: ${relative(root, refused)}`);
}
