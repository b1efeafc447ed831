// Names a user (or a webhook) can choose end up in container names, host names,
// nginx configuration and Docker API calls. Every one is validated here, by the
// same rules everywhere, before it touches anything.

import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';

/** An app name: names containers, volumes and hosts, so it stays short and plain. */
export const APP_NAME_PATTERN = /^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/** A DNS label (RFC 1123): service and environment names. */
export const DNS_LABEL_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** An environment variable (and build argument) name. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What the Docker engine accepts as a volume name. */
export const VOLUME_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** An image repository without registry or tag (`team/shop`), per Docker's reference grammar. */
export const IMAGE_REPOSITORY_PATTERN = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
/** A full image reference (`mariadb:10.2`, `ghcr.io/org/db@sha256:…`): registry, repository, tag, digest. */
export const IMAGE_REFERENCE_PATTERN =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function isAppName(s: string): boolean {
  return APP_NAME_PATTERN.test(s);
}

export function isDnsLabel(s: string): boolean {
  return DNS_LABEL_PATTERN.test(s);
}

/** RFC 1123 host name, case-insensitive; with `wildcard`, a single leading `*.` label is allowed. */
export function isHostName(s: string, { wildcard = false } = {}): boolean {
  const host = wildcard && s.startsWith('*.') ? s.slice(2) : s;
  if (host.length === 0 || host.length > 253) return false;
  return host.toLowerCase().split('.').every(isDnsLabel);
}

export function isEnvName(s: string): boolean {
  return ENV_NAME_PATTERN.test(s);
}

export function isVolumeName(s: string): boolean {
  return VOLUME_NAME_PATTERN.test(s);
}

export function isImageRepository(s: string): boolean {
  return s.length <= 255 && IMAGE_REPOSITORY_PATTERN.test(s);
}

export function isImageReference(s: string): boolean {
  return s.length <= 512 && IMAGE_REFERENCE_PATTERN.test(s);
}

/**
 * A safe DNS label for any string, e.g. a branch: `feature/Login_Page` -> `feature-login-page`.
 * When the name must be cut (over 63 characters) or nothing usable is left, a short hash
 * of the original is appended so that different names still get different labels.
 */
export function toDnsLabel(s: string): string {
  const slug = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // é -> e rather than a hyphen
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length > 0 && slug.length <= 63) return slug;
  const hash = createHash('sha256').update(s).digest('hex').slice(0, 8);
  const head = slug.slice(0, 63 - hash.length - 1).replace(/-+$/, '');
  return head === '' ? hash : `${head}-${hash}`;
}

/** A branch name from a push or a webhook, refused with one line when git itself would not accept it. */
export function checkBranch(branch: string): string {
  if (isBranchName(branch)) return branch;
  const shown = JSON.stringify(branch.length > 80 ? `${branch.slice(0, 80)}…` : branch);
  throw new UserError(`branch name ${shown} is not a valid git branch name (${branch.length} characters): refused`);
}

/** A git branch name as `git check-ref-format --branch` would accept it (the common rules). */
export function isBranchName(s: string): boolean {
  if (s.length === 0 || s.length > 255) return false;
  // Control characters, spaces and ~^:?*[\ are refused by git; so are `..`, `@{`, `//`,
  // a component starting with a dot, a leading `-` or `/`, a trailing `/`, `.` or `.lock`.
  return !/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|\/\.|^[-/.]|[/.]$|\.lock$/.test(s);
}
