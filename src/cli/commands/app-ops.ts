// `calma logs`, `calma exec`, `calma apps [remove]`: working with what runs.
import type { Command } from 'commander';
import { api } from '../../api/contract.js';
import { clientFromEnv } from '../client.js';
import { globalOptions, printJson } from '../context.js';
import { table } from '../table.js';
import { execInTerminal } from '../exec-terminal.js';

export function registerAppOps(program: Command): void {
  program
    .command('logs')
    .description("the output of the serving release's containers, each line prefixed by its container")
    .argument('<app>', 'the app')
    .option('-e, --env <name>', 'the environment', 'production')
    .option('-s, --service <name>', "a service's output instead of the app's")
    .option('-f, --follow', 'keep streaming new lines until Ctrl-C')
    .option('-n, --tail <n>', 'lines from the end of each container to start with', '100')
    .option('-p, --pipeline <id>', "a pipeline's full log instead (see calma pipelines APP); with -f, until it ends")
    .action(async (app: string, opts: { env: string; service?: string; follow?: boolean; tail: string; pipeline?: string }, cmd: Command) => {
      const json = globalOptions(cmd).json;
      if (opts.pipeline) {
        let status = '';
        await clientFromEnv().stream(api.pipelineLogs, { params: { id: opts.pipeline }, query: { follow: opts.follow ? '1' : '0' } }, (e) => {
          if (e.type === 'line') process.stdout.write(json ? `${JSON.stringify(e)}\n` : `${e.line}\n`);
          else status = e.status;
        });
        if (opts.follow && !json) process.stdout.write(`pipeline ${opts.pipeline}: ${status}\n`);
        return;
      }
      const query = { env: opts.env, follow: (opts.follow ? '1' : '0') as '0' | '1', tail: opts.tail, ...(opts.service ? { service: opts.service } : {}) };
      await clientFromEnv().stream(api.logs, { params: { app }, query }, (e) => {
        if (e.type !== 'line') return;
        process.stdout.write(json ? `${JSON.stringify(e)}\n` : `${e.container} | ${e.line}\n`);
      });
    });

  program
    .command('exec')
    .description('run a command in a container of the serving release; exits with its exit code')
    .argument('<app>', 'the app')
    .argument('<command...>', 'the command and its arguments (put them after --)')
    .option('-e, --env <name>', 'the environment', 'production')
    .option('-s, --service <name>', "run it in a service's container instead of the app's")
    .addHelpText('after', '\nExample: calma exec shop -- sh\nWith a terminal on both stdin and stdout the command gets one (interactive programs work);\notherwise its output is streamed.')
    .action(async (app: string, command: string[], opts: { env: string; service?: string }) => {
      if (process.stdin.isTTY && process.stdout.isTTY) {
        process.exitCode = await execInTerminal(app, opts.env, command, opts.service);
        return;
      }
      let code = 0;
      await clientFromEnv().stream(api.exec, { params: { app }, body: { env: opts.env, command, ...(opts.service ? { service: opts.service } : {}) } }, (e) => {
        if (e.type === 'output') process.stdout.write(e.data);
        else if (e.type === 'exit') code = e.code;
      });
      process.exitCode = code;
    });

  const apps = program
    .command('apps')
    .description('the apps calma runs, with their environments and releases')
    .action(async (_opts: unknown, cmd: Command) => {
      const rows = await clientFromEnv().call(api.status);
      if (globalOptions(cmd).json) return printJson(rows.map((r) => ({ app: r.app, env: r.env, release: r.version })));
      process.stdout.write(table(['APP', 'ENV', 'RELEASE'], rows.map((r) => [r.app, r.env, r.version ?? '-'])));
    });
  apps
    .command('create')
    .description('connect an app to git: a repository on the daemon to push to, and a webhook secret (shown once)')
    .argument('<app>', 'the app')
    .option('--repository <url>', 'the clone URL webhooks fetch pushed commits from (or source.repository in calma.yml)')
    .action(async (app: string, opts: { repository?: string }, cmd: Command) => {
      const r = await clientFromEnv().call(api.appsCreate, { body: { app, ...(opts.repository ? { repository: opts.repository } : {}) } });
      if (globalOptions(cmd).json) return printJson(r);
      process.stdout.write(`created ${app}: push to ${r.gitPath} (calma remote ${app} prints the full URL)\nwebhook secret (shown once, keep it in your git host's webhook settings): ${r.webhookSecret}\nwebhooks: ${r.hookPaths.join(' ')}\n`);
    });
  apps
    .command('remove')
    .description('remove an app: its routes, containers and history; its named volumes only with --volumes')
    .argument('<app>', 'the app')
    .option('--volumes', 'also delete its named volumes (its data)')
    .action(async (app: string, opts: { volumes?: boolean }, cmd: Command) => {
      const r = await clientFromEnv().call(api.appsRemove, { params: { app }, query: { volumes: opts.volumes ? '1' : '0' } });
      if (globalOptions(cmd).json) return printJson(r);
      const kept = opts.volumes ? `removed volumes: ${r.volumes.join(', ') || 'none'}` : 'named volumes kept (use --volumes to delete them)';
      process.stdout.write(`removed ${app}: ${r.containers} containers, ${r.routes} routes; ${kept}\n`);
    });
}
