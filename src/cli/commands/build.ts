// `calma build [DIR]`: test, build, tag and push the application in DIR.
import type { Command } from 'commander';
import { globalOptions, printJson } from '../context.js';

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('build the test stage and run it, then build the shipping stage, tag it and push it to the registry')
    .argument('[dir]', 'the application directory holding calma.yml', '.')
    .option('-f, --file <name>', 'the configuration file name inside DIR', 'calma.yml')
    .option('--no-push', 'tag locally only, even when a registry is configured')
    .addHelpText(
      'after',
      `
Tags: <app>:<commit-sha12>, <app>:<branch>, <app>:build-<n>, and <app>:vX.Y.Z for a
semver git tag on the commit. Outside git or with uncommitted changes the version
is <content-hash12>-dirty and no branch tag is given.
Exit codes: 0 built and tagged; 1 a problem you can fix (config, Dockerfile, failing
test stage, registry); 70 an internal error.`,
    )
    .action(async (dir: string, opts: { file: string; push: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      // Loaded on use: the engine client and the builder are heavy for commands that do not need them.
      const [{ loadConfig }, { connectDocker }, { renderReport }, { runBuild }, { openDb }, { createBuildReporter }] = await Promise.all([
        import('../../config/load.js'),
        import('../../docker/client.js'),
        import('../../build/report.js'),
        import('../../build/run-build.js'),
        import('../../state/db.js'),
        import('../build-reporter.js'),
      ]);
      const { config } = loadConfig(dir, opts.file);
      const docker = await connectDocker();
      const db = openDb();
      const out = g.json ? process.stderr : process.stdout;
      // A terminal without a width (some pseudo-terminals) cannot host a spinner: plain lines then.
      const tty = !g.json && process.stdout.isTTY === true && (process.stdout.columns ?? 0) > 0;
      const reporter = createBuildReporter({ tty, out });
      try {
        const report = await runBuild(dir, { ...config, registry: opts.push ? config.registry : undefined }, { docker, db, observer: reporter });
        reporter.stop(true);
        if (g.json) printJson(report);
        else process.stdout.write(`${renderReport(report).join('\n')}\n`);
      } catch (e) {
        reporter.stop(false);
        throw e;
      } finally {
        db.close();
      }
    });
}
