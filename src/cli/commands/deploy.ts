// `calma deploy [DIR] [--env NAME]`: sends the app directory to the daemon,
// which builds, tests and deploys it; progress streams back live. Exits 0
// only when the new release is serving.
import type { Command } from 'commander';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { api } from '../../api/contract.js';
import { UploadedArchive } from '../../api/upload.js';
import { UserError } from '../../errors.js';
import { clientFromEnv } from '../client.js';
import { globalOptions } from '../context.js';
import { deploymentPrinter } from '../deployment-output.js';

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description('build, test and deploy the app in DIR to an environment through the calma daemon, with zero downtime')
    .argument('[dir]', 'the application directory holding calma.yml', '.')
    .option('-e, --env <name>', 'the environment to deploy to', 'production')
    .option('--no-wait', 'refuse at once when the environment is busy, instead of waiting for its turn')
    .addHelpText(
      'after',
      `
The directory (what .dockerignore lets through, plus calma.yml) is sent to the daemon
with the git facts of DIR (commit, branch, tags, uncommitted changes). The daemon runs
the same build as \`calma build\`, then starts the new release beside the serving one,
waits for its health check, runs \`release\`, switches the edge and stops the old one.
Any failure before the switch leaves the old release serving.
Exit codes: 0 the new release is serving; 1 it is not (the old one still is).`,
    )
    .action(async (dir: string, opts: { env: string; wait: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      // A daemon that is not running is said at once, before the directory is packed.
      const client = clientFromEnv();
      await client.call(api.health);
      const [{ collectContext, packContext }, { readGitInfo }, { loadConfig }] = await Promise.all([
        import('../../build/context.js'),
        import('../../build/git.js'),
        import('../../config/load.js'),
      ]);
      const appDir = resolve(dir);
      const { config, file } = loadConfig(dir);
      const contextDir = resolve(appDir, config.build.context);
      if (relative(appDir, contextDir).startsWith('..')) throw new UserError(`${file}: build.context must be inside the app directory to deploy it`);
      const ctx = collectContext(appDir, join(relative(appDir, contextDir), config.build.dockerfile), config.build.max_context, ['calma.yml']);
      const git = await readGitInfo(appDir);
      const tmp = mkdtempSync(join(tmpdir(), 'calma-upload-'));
      try {
        const tarPath = join(tmp, 'app.tar');
        await pipeline(packContext(ctx), createWriteStream(tarPath));
        const query = {
          env: opts.env,
          wait: opts.wait ? ('1' as const) : ('0' as const),
          ...(git ? { commit: git.sha, branch: git.branch ?? '', tags: git.tags.join(','), dirty: git.dirty ? ('1' as const) : ('0' as const) } : {}),
        };
        const printer = deploymentPrinter(g);
        await client.stream(api.deploy, { query, body: new UploadedArchive(tarPath, statSync(tarPath).size) }, printer.onEvent);
        printer.finish('deployed');
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
}
