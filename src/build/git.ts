// What git says about the directory being built. git is the real program,
// spawned with argv arrays; outside a repository everything is simply absent.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitInfo {
  /** Full commit sha of HEAD. */
  sha: string;
  /** Current branch, undefined on a detached HEAD. */
  branch: string | undefined;
  /** Tags pointing at HEAD. */
  tags: string[];
  /** Uncommitted changes (tracked or untracked, not ignored) below the directory. */
  dirty: boolean;
}

async function git(dir: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['-C', dir, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** undefined when dir is not inside a git work tree or has no commit yet. */
export async function readGitInfo(dir: string): Promise<GitInfo | undefined> {
  if ((await git(dir, ['rev-parse', '--is-inside-work-tree'])) !== 'true') return undefined;
  const sha = await git(dir, ['rev-parse', '--verify', '-q', 'HEAD']);
  if (!sha) return undefined;
  const branch = await git(dir, ['symbolic-ref', '--short', '-q', 'HEAD']);
  const tags = await git(dir, ['tag', '--points-at', 'HEAD']);
  const status = await git(dir, ['status', '--porcelain', '--', '.']);
  return {
    sha,
    branch: branch || undefined,
    tags: tags ? tags.split('\n').filter((t) => t !== '') : [],
    dirty: status === undefined || status !== '',
  };
}
