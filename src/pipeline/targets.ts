// Where a pushed branch goes: the long-lived environments whose `branch` it
// is, or else a preview environment when it matches `previews.branches`.
// Pure: the preview labels already given out are passed in.
import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import type { CalmaConfig } from '../config/schema.js';
import { toDnsLabel } from '../config/names.js';

/** `preview-` + label stays one DNS label (an environment name). */
export const PREVIEW_LABEL_MAX = 55;
export const PREVIEW_PREFIX = 'preview-';

export interface PipelineTarget {
  env: string;
  domains: string[];
  /** Set for a preview environment: the branch it follows and its label. */
  preview?: { branch: string; label: string };
}

/**
 * A branch's preview label: lower-case `[a-z0-9-]`, at most 55 characters.
 * A short hash of the branch is added when the name had to be shortened, or
 * when `ownerOf` says another branch already has the plain label.
 */
export function previewLabel(branch: string, ownerOf: (label: string) => string | undefined): string {
  const plain = toDnsLabel(branch);
  const hash = createHash('sha256').update(branch).digest('hex').slice(0, 6);
  const hashed = `${plain.slice(0, PREVIEW_LABEL_MAX - hash.length - 1).replace(/-+$/, '')}-${hash}`.replace(/^-/, '');
  if (plain.length > PREVIEW_LABEL_MAX) return hashed;
  const owner = ownerOf(plain);
  return owner === undefined || owner === branch ? plain : hashed;
}

export function previewEnvName(label: string): string {
  return `${PREVIEW_PREFIX}${label}`;
}

export function isPreviewEnv(env: string): boolean {
  return env.startsWith(PREVIEW_PREFIX);
}

/** Whether a branch gets a preview under this configuration (a pull request's branch always does, when previews are on). */
export function wantsPreview(config: CalmaConfig, branch: string, pullRequest = false): boolean {
  const p = config.previews;
  if (!p) return false;
  if (Object.values(config.environments).some((e) => e.branch === branch)) return false;
  return pullRequest || picomatch(p.branches, { dot: true })(branch);
}

/**
 * The environments a push of `branch` deploys to; none when it maps nowhere.
 * A pull request only ever gets a preview: its head may come from a fork, and
 * a fork's `main` must never reach production.
 */
export function targetsFor(config: CalmaConfig, branch: string, labelOf: (branch: string) => string, pullRequest = false): PipelineTarget[] {
  const envs = Object.entries(config.environments)
    .filter(([, e]) => e.branch === branch)
    .map(([env, e]) => ({ env, domains: e.domains }));
  if (envs.length > 0) return pullRequest ? [] : envs;
  if (!wantsPreview(config, branch, pullRequest)) return [];
  const label = labelOf(branch);
  return [{ env: previewEnvName(label), domains: [config.previews!.domain.replaceAll('{branch}', label)], preview: { branch, label } }];
}

/** The configuration a deployment to `target` uses: the preview's environment is added to it. */
export function configFor(config: CalmaConfig, target: PipelineTarget): CalmaConfig {
  if (config.environments[target.env]) return config;
  const branch = target.preview?.branch ?? '';
  return { ...config, environments: { ...config.environments, [target.env]: { branch, domains: target.domains } } };
}
