// Pushing to the daemon's git remote as a user does, and leaving nothing of a
// git-connected app behind.
import { execFile } from 'node:child_process';
import { docker } from './engine.js';

export interface Pushed {
  code: number;
  out: string;
}

/** `git push REMOTE ARGS…` in `cwd`; never asks on a terminal. */
export function gitPush(cwd: string, remote: string, ...args: string[]): Promise<Pushed> {
  return new Promise((resolve) => {
    execFile('git', ['push', remote, ...args], { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/** Every volume of the app, production's and each environment's. */
export async function removeAppVolumes(app: string): Promise<void> {
  const { Volumes } = await docker.listVolumes();
  for (const v of (Volumes ?? []).filter((v) => v.Name.startsWith(`${app}_`) || v.Name.startsWith(`${app}.`))) await docker.getVolume(v.Name).remove().catch(() => undefined);
}
