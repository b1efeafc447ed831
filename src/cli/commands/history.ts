// `calma status`, `calma releases APP`, `calma deployments APP`: what runs and
// what happened, as tables (or --json).
import type { Command } from 'commander';
import { api } from '../../api/contract.js';
import { clientFromEnv } from '../client.js';
import { globalOptions, printJson } from '../context.js';
import { table } from '../table.js';

export function registerHistory(program: Command): void {
  program
    .command('status')
    .description('every app and environment: the release serving, its containers, the last deployment')
    .action(async (_opts: unknown, cmd: Command) => {
      const rows = await clientFromEnv().call(api.status);
      if (globalOptions(cmd).json) return printJson(rows);
      const body = rows.map((r) => [r.app, r.env, r.version ?? '-', r.containers.map((c) => `${c.name} (${c.state})`).join(', ') || '-', r.lastDeployment ? `${r.lastDeployment.status}${r.lastDeployment.reason ? `: ${r.lastDeployment.reason}` : ''}` : '-']);
      process.stdout.write(table(['APP', 'ENV', 'RELEASE', 'CONTAINERS', 'LAST DEPLOYMENT'], body));
    });

  program
    .command('releases')
    .description('the releases that went live in an environment, the current one first')
    .argument('<app>', 'the app')
    .option('-e, --env <name>', 'the environment', 'production')
    .action(async (app: string, opts: { env: string }, cmd: Command) => {
      const rows = await clientFromEnv().call(api.releases, { params: { app }, query: { env: opts.env } });
      if (globalOptions(cmd).json) return printJson(rows);
      const body = rows.map((r) => [r.current ? '*' : '', r.version, r.branch || '-', r.commit.slice(0, 12), r.deployedAt, r.available ? 'yes' : 'image gone']);
      process.stdout.write(table(['', 'RELEASE', 'BRANCH', 'COMMIT', 'LAST LIVE', 'ROLLBACK'], body));
    });

  program
    .command('deployments')
    .description('recent deployments of an app, with each step and its timing')
    .argument('<app>', 'the app')
    .option('-e, --env <name>', 'only this environment')
    .action(async (app: string, opts: { env?: string }, cmd: Command) => {
      const rows = await clientFromEnv().call(api.deployments, { params: { app }, query: opts.env ? { env: opts.env } : {} });
      if (globalOptions(cmd).json) return printJson(rows);
      const body = rows.map((d) => [d.id, d.env, d.kind, d.version, d.status, d.startedAt, d.steps.map((s) => `${s.step}${s.status === 'done' ? '' : `(${s.status})`} ${s.ms ?? '?'}ms`).join(', '), d.reason ?? '']);
      process.stdout.write(table(['ID', 'ENV', 'KIND', 'RELEASE', 'STATUS', 'STARTED', 'STEPS', 'REASON'], body));
    });
}
