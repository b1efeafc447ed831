// Test applications: a fixture copied to a fresh temporary directory, with
// edits applied and optionally committed to a git repository of its own.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');

/** A unique app name per test, so tests never see each other's images. */
export function uniqueApp(prefix = 'e2e'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface AppDir {
  dir: string;
  write(path: string, content: string): void;
  git(...args: string[]): string;
  cleanup(): void;
}

export function appFromFixture(fixture: string, app: string, configText?: string): AppDir {
  const dir = mkdtempSync(join(tmpdir(), 'calma-app-'));
  cpSync(join(fixturesDir, 'apps', fixture), dir, { recursive: true });
  const write = (path: string, content: string): void => writeFileSync(join(dir, path), content);
  const config = configText ?? 'app: APP\nbuild:\n  target: production\n  args:\n    GREETING: bonjour\n  test:\n    target: test\n    timeout: 1m\n';
  write('calma.yml', config.replace(/APP/g, app));
  return {
    dir,
    write,
    git: (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=calma-test', '-c', 'user.email=test@calma.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' }).trim(),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Turns an AppDir into a clean git repository with one commit on `main`. */
export function commitAll(app: AppDir, message = 'initial'): string {
  app.git('init', '-q');
  app.git('add', '-A');
  app.git('commit', '-q', '-m', message);
  return app.git('rev-parse', 'HEAD');
}
