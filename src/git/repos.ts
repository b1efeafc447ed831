// The daemon's own git repositories, one bare repository per app under
// $CALMA_HOME/git, which `git push` reaches through `git http-backend`. Its
// hooks are two small files that load calma's hook module: pre-receive refuses
// hostile branch names before any ref moves, post-receive hands the pushed
// refs to the daemon and prints the pipelines' progress to the pusher.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAppName } from '../config/names.js';
import { git } from './run-git.js';

export function gitRoot(home: string): string {
  return join(home, 'git');
}

export function repoDir(home: string, app: string): string {
  if (!isAppName(app)) throw new Error(`invalid app name "${app}"`);
  return join(gitRoot(home), `${app}.git`);
}

const hookModule = (): string => pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'hook-main.js')).href;

/** The text of a hook: node (this very binary) loading the hook module. No shell involved. */
export function hookScript(kind: 'pre-receive' | 'post-receive', nodePath = process.execPath, moduleUrl = hookModule()): string {
  return `#!${nodePath}\n// Written by calma: rewritten on every daemon start.\nimport(${JSON.stringify(moduleUrl)}).then((m) => m.runHook(${JSON.stringify(kind)}));\n`;
}

/** Creates the app's bare repository if needed, and (re)writes its hooks. Returns its directory. */
export async function ensureRepo(home: string, app: string): Promise<string> {
  const dir = repoDir(home, app);
  if (!existsSync(join(dir, 'HEAD'))) {
    mkdirSync(gitRoot(home), { recursive: true, mode: 0o700 });
    await git(['init', '--bare', '--quiet', '--initial-branch=main', dir]);
    // Pushes over smart HTTP are refused by http-backend unless the repository allows them.
    await git(['--git-dir', dir, 'config', 'http.receivepack', 'true']);
  }
  for (const kind of ['pre-receive', 'post-receive'] as const) {
    const file = join(dir, 'hooks', kind);
    writeFileSync(file, hookScript(kind), { mode: 0o700 });
    chmodSync(file, 0o700);
  }
  return dir;
}
