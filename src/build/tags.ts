// Which names a build gets. Pure, so the rules are tested exactly:
//   <app>:<sha12>, <app>:<branch>, <app>:build-<n>, <app>:vX.Y.Z
// A build that is not a clean commit never borrows a commit's name: its
// version is the content hash of what was sent, marked -dirty.
import semver from 'semver';
import type { GitInfo } from './git.js';

export interface Version {
  /** The release's identity: the 12-char commit sha, or <content-hash-12>-dirty. */
  id: string;
  /** Value of the calma.commit label. */
  commit: string;
  /** Value of the calma.branch label ("" when unknown). */
  branch: string;
  dirty: boolean;
  /** Semver tags of the commit, normalized to vX.Y.Z, highest first. */
  semver: string[];
}

/** The image tag a git tag gives (`1.2.0` or `v1.2.0` → `v1.2.0`), or undefined for a tag that is not a version. */
export function semverTag(gitTag: string): string | undefined {
  const v = semver.valid(gitTag);
  return v === null ? undefined : `v${v}`;
}

export function computeVersion(git: GitInfo | undefined, contentHash: string): Version {
  const branch = git?.branch ?? '';
  if (!git || git.dirty) {
    const id = `${contentHash.slice(0, 12)}-dirty`;
    return { id, commit: id, branch, dirty: true, semver: [] };
  }
  const versions = git.tags
    .map(semverTag)
    .filter((v): v is string => v !== undefined)
    .sort(semver.rcompare);
  return { id: git.sha.slice(0, 12), commit: git.sha, branch, dirty: false, semver: [...new Set(versions)] };
}

/** A branch name as a Docker tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, or undefined if nothing is left. */
export function branchTag(branch: string): string | undefined {
  const t = branch
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128)
    .replace(/[.-]+$/, '');
  return t === '' ? undefined : t;
}

/** Tags (without the repository) for one build. The branch tag is only given to clean commits. */
export function computeTags(version: Version, buildNumber: number): string[] {
  const tags = [version.id];
  const b = version.dirty ? undefined : branchTag(version.branch);
  if (b !== undefined && !tags.includes(b)) tags.push(b);
  tags.push(`build-${buildNumber}`);
  for (const v of version.semver) if (!tags.includes(v)) tags.push(v);
  return tags;
}

/** The highest n among tags like build-<n> (0 if none): what the engine already holds. */
/** Each repository's highest build-<n>, from `repo:tag` names as the engine lists them. */
export function highestBuildNumbers(refs: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const ref of refs) {
    const colon = ref.lastIndexOf(':');
    const n = highestBuildNumber([ref.slice(colon + 1)]);
    if (colon > 0 && n > 0) out.set(ref.slice(0, colon), Math.max(out.get(ref.slice(0, colon)) ?? 0, n));
  }
  return out;
}

export function highestBuildNumber(tags: readonly string[]): number {
  let max = 0;
  for (const t of tags) {
    const m = /^build-(\d+)$/.exec(t);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}
