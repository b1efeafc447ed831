// A pushed commit's files, for a pipeline: `git archive` of the commit from
// the app's repository, unpacked with the same checks as an upload (nothing
// may land outside the directory, links included).
import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { extractUpload } from '../server/extract.js';
import { git, gitPipe } from './run-git.js';

const SHA = /^[0-9a-f]{40}$/;

export async function checkoutCommit(repo: string, sha: string, dir: string): Promise<{ tags: string[] }> {
  if (!SHA.test(sha)) throw new Error(`invalid commit "${sha}"`);
  const tar = join(dir, '..', `${sha}.${process.pid}.${Date.now()}.tar`);
  try {
    await gitPipe(['--git-dir', repo, 'archive', '--format=tar', sha], createWriteStream(tar, { mode: 0o600 }));
    await extractUpload(tar, dir);
  } finally {
    rmSync(tar, { force: true });
  }
  const tags = (await git(['--git-dir', repo, 'tag', '--points-at', sha])).split('\n').filter((t) => t !== '');
  return { tags };
}

/** Fetches one branch of `url` into the app's repository (webhooks); the token travels in the environment. */
export async function fetchBranch(repo: string, url: string, branch: string, env: Record<string, string>): Promise<void> {
  const ref = `refs/heads/${branch}`;
  await git(['--git-dir', repo, 'fetch', '--quiet', '--force', '--no-tags', '--', url, `+${ref}:${ref}`], { env, timeoutMs: 10 * 60_000 });
}

/**
 * Fetches a pull request's head as the git host publishes it in the target
 * repository (`refs/pull/N/head`, GitLab's `refs/merge-requests/N/head`): it
 * works for pull requests from forks, and lands under refs/calma/, never over
 * one of the app's own branches.
 */
export async function fetchPullRequest(repo: string, url: string, provider: string, n: number, env: Record<string, string>): Promise<void> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`invalid pull request number ${n}`);
  const ref = provider === 'gitlab' ? `refs/merge-requests/${n}/head` : `refs/pull/${n}/head`;
  await git(['--git-dir', repo, 'fetch', '--quiet', '--force', '--no-tags', '--', url, `+${ref}:refs/calma/pull/${n}`], { env, timeoutMs: 10 * 60_000 });
}

/** The commit a pushed object names: itself, or the commit an annotated tag points at. */
export async function commitOf(repo: string, sha: string): Promise<string> {
  if (!SHA.test(sha)) throw new Error(`invalid object "${sha}"`);
  return (await git(['--git-dir', repo, 'rev-parse', '--verify', '--quiet', `${sha}^{commit}`])).trim();
}

/** Whether the repository has this commit. */
export async function hasCommit(repo: string, sha: string): Promise<boolean> {
  if (!SHA.test(sha)) return false;
  return git(['--git-dir', repo, 'cat-file', '-e', `${sha}^{commit}`]).then(
    () => true,
    () => false,
  );
}
