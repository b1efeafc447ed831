// Volumes, in the short form people know from Compose (`uploads:/app/uploads`,
// `./config:/app/config:ro`) or the long form (a mapping with `type`), both
// normalized to one VolumeSpec so that nothing downstream parses strings again.

import { z } from 'zod';
import { containerPath, size } from './fields.js';
import { expected, expecting } from './messages.js';
import { isVolumeName } from './names.js';

export type VolumeSpec =
  | { type: 'volume'; source: string; target: string; readOnly: boolean }
  | { type: 'bind'; source: string; target: string; readOnly: boolean }
  | { type: 'tmpfs'; target: string; size: number | undefined };

const VOLUME = 'a volume like "uploads:/app/uploads" or "./config:/app/config:ro"';

/** A host path is absolute or starts with a dot; anything else names a Docker volume. */
const isHostPath = (s: string): boolean => s.startsWith('/') || s.startsWith('.');

export function parseVolumeString(s: string): VolumeSpec | undefined {
  const [source = '', target = '', mode = 'rw', ...rest] = s.split(':');
  if (rest.length > 0 || !containerPath.safeParse(target).success || (mode !== 'ro' && mode !== 'rw')) return undefined;
  const readOnly = mode === 'ro';
  if (isHostPath(source)) return { type: 'bind', source, target, readOnly };
  return isVolumeName(source) ? { type: 'volume', source, target, readOnly } : undefined;
}

const shortForm = z.string().transform((s, ctx) => {
  const spec = parseVolumeString(s);
  if (!spec) {
    ctx.issues.push({ code: 'custom', input: s, message: expected(VOLUME, s) });
    return z.NEVER;
  }
  return spec;
});

const longForm = z
  .strictObject({
    type: z.enum(['volume', 'bind', 'tmpfs']).describe('volume: a Docker volume, kept across releases; bind: a host path; tmpfs: memory only.'),
    source: z.string().min(1).optional().describe('The volume name (volume) or the host path (bind); not for tmpfs.'),
    target: containerPath.describe('Where it is mounted in the container.'),
    read_only: z.boolean().prefault(false).describe('Mount read-only (volume and bind).'),
    size: size.optional().describe('The largest a tmpfs may grow (tmpfs only); default: the engine\'s limit.'),
  })
  .describe('The long form of a volume.')
  .transform((v, ctx): VolumeSpec => {
    const refuse = (key: string, message: string): never => {
      ctx.issues.push({ code: 'custom', path: [key], input: v, message });
      return z.NEVER;
    };
    if (v.type === 'tmpfs') {
      if (v.source !== undefined) return refuse('source', 'key "source" does not apply to tmpfs volumes');
      if (v.read_only) return refuse('read_only', 'key "read_only" does not apply to tmpfs volumes');
      return { type: 'tmpfs', target: v.target, size: v.size };
    }
    if (v.size !== undefined) return refuse('size', 'key "size" applies only to tmpfs volumes');
    if (v.source === undefined) return refuse('source', 'missing required key "source"');
    if (v.type === 'volume' && !isVolumeName(v.source)) return refuse('source', expected('a volume name like "uploads"', v.source));
    return { type: v.type, source: v.source, target: v.target, readOnly: v.read_only };
  });

export const volume = z.union([shortForm, longForm], { error: expecting(VOLUME) });
