// The value types of calma.yml that have a format of their own. Each one checks
// its format, words its own error (`expected a duration like 5s, got "fast"`) and
// hands the rest of the program a normalized value (milliseconds, bytes, argv).

import { z } from 'zod';
import { expected, expecting } from './messages.js';
import {
  APP_NAME_PATTERN, DNS_LABEL_PATTERN, ENV_NAME_PATTERN, isBranchName, isHostName,
  isImageReference, isImageRepository, isVolumeName,
} from './names.js';
import { DURATION_PATTERN, SIZE_PATTERN, parseDuration, parseSize } from './units.js';

const DURATION = 'a duration like 5s';
const SIZE = 'a size like 100m';

/** Milliseconds. Zero is refused unless `allowZero`: a zero interval or timeout is always a mistake. */
export function duration({ allowZero = false } = {}) {
  return z
    .string({ error: expecting(DURATION) })
    .regex(DURATION_PATTERN)
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined || (ms === 0 && !allowZero)) {
        ctx.issues.push({ code: 'custom', input: s, message: expected(ms === 0 ? 'a duration longer than 0s' : DURATION, s) });
        return z.NEVER;
      }
      return ms;
    });
}

/** Bytes, from `64m`, `1g`, `10MB` or a plain number of bytes. */
export const size = z
  .union([z.int({ error: expecting(SIZE) }).min(0), z.string({ error: expecting(SIZE) }).regex(SIZE_PATTERN)], {
    error: expecting(SIZE),
  })
  .transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined) {
      ctx.issues.push({ code: 'custom', input: value, message: expected(SIZE, value) });
      return z.NEVER;
    }
    return bytes;
  });

/** The app name of the daemon's own route on the edge (`calma server --domain`). */
export const DAEMON_ROUTE_APP = 'calma';

/** An argv array, never a shell string: nothing a user writes is ever parsed by a shell. */
export const command = z.array(z.string(), { error: expecting('a list of arguments like ["./app", "serve"]') }).min(1);

export const appName = z
  .string({ error: expecting('an app name like "shop" (lowercase letters, digits, hyphens; at most 40)') })
  .regex(APP_NAME_PATTERN)
  // The daemon's own dashboard route on the edge goes by this name.
  .refine((s) => s !== DAEMON_ROUTE_APP, { error: `"${DAEMON_ROUTE_APP}" is reserved for calma's own dashboard: choose another app name` });

/** Service and environment names: they become parts of container and host names. */
export const dnsLabel = z
  .string({ error: expecting('a name like "staging" (lowercase letters, digits, hyphens; at most 63)') })
  .regex(DNS_LABEL_PATTERN);

/** Host names are case-insensitive; they are kept lowercase so that comparisons are simple. */
export const hostName = z
  .string({ error: expecting('a host name like shop.example.com') })
  .refine((s) => isHostName(s, { wildcard: true }))
  .transform((s) => s.toLowerCase());

export const previewDomain = z
  .string({ error: expecting('a host name containing {branch} like {branch}.preview.example.com') })
  .refine((s) => s.includes('{branch}') && isHostName(s.replaceAll('{branch}', 'x')))
  .transform((s) => s.toLowerCase());

export const envName = z.string({ error: expecting('a variable name like LOG_LEVEL') }).regex(ENV_NAME_PATTERN);

/** YAML reads `3` and `true` as a number and a boolean; the environment only knows strings. */
const envValue = z
  .union([z.string(), z.number(), z.boolean()], { error: expecting('a string, number or boolean') })
  .transform(String);

export const envMap = z.record(envName, envValue);

export const branchName = z.string({ error: expecting('a branch name like main') }).refine(isBranchName);

export const imageReference = z.string({ error: expecting('an image like mariadb:10.2') }).refine(isImageReference);

export const imageRepository = z
  .string({ error: expecting('an image repository like team/shop') })
  .refine(isImageRepository);

export const registryServer = z
  .string({ error: expecting('a registry like registry.example.com or localhost:5000') })
  .refine((s) => {
    const [host = '', port, ...rest] = s.split(':');
    return rest.length === 0 && isHostName(host) && (port === undefined || /^\d{1,5}$/.test(port));
  });

/** An http(s) URL without credentials in it (those belong in a secret). */
export const httpUrl = z
  .string({ error: expecting('a URL like https://git.example.com/team/shop.git') })
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
    } catch {
      return false;
    }
  });

/** A repository path on a git host: `owner/name` (GitLab groups may nest). */
export const repoPath = z.string({ error: expecting('a repository path like team/shop') }).regex(/^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)+$/);

export const urlPath = z.string({ error: expecting('a path like /up') }).regex(/^\/\S*$/);

export const containerPath = z.string({ error: expecting('an absolute path like /app/data') }).regex(/^\/[^:]+$/);

export const volumeName = z.string({ error: expecting('a volume name like "uploads"') }).refine(isVolumeName);

/** A Dockerfile stage name (`FROM … AS <name>`). */
export const stageName = z.string({ error: expecting('a stage name like production') }).regex(/^[a-zA-Z][a-zA-Z0-9_.-]*$/);
