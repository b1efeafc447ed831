// `calma pipelines APP`, `calma pipelines cancel ID`, `calma previews APP`,
// `calma previews remove APP ENV`, `calma remote APP`: push to deploy.
import type { Command } from 'commander';
import { api } from '../../api/contract.js';
import { clientFromEnv } from '../client.js';
import { globalOptions, printJson } from '../context.js';
import { table } from '../table.js';

const age = (iso: string, now = Date.now()): string => {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
};

export function registerPipelines(program: Command): void {
  const pipelines = program
    .command('pipelines')
    .description("an app's recent pipelines (one commit through test, build, tag, push and deploy for one environment), newest first")
    .argument('<app>', 'the app')
    .action(async (app: string, _opts: unknown, cmd: Command) => {
      const rows = await clientFromEnv().call(api.pipelines, { params: { app } });
      if (globalOptions(cmd).json) return printJson(rows);
      const body = rows.map((p) => [
        p.id,
        p.env,
        p.trigger,
        p.branch || '-',
        p.commit ? p.commit.slice(0, 12) : '-',
        p.status,
        age(p.createdAt),
        p.stages.map((s) => `${s.stage}${s.status === 'done' ? '' : `(${s.status})`} ${s.ms ?? '?'}ms`).join(', '),
        p.reason ?? '',
      ]);
      process.stdout.write(table(['ID', 'ENV', 'TRIGGER', 'BRANCH', 'COMMIT', 'STATUS', 'AGE', 'STAGES', 'REASON'], body));
    });
  pipelines
    .command('cancel')
    .description('cancel a pipeline: a queued one never starts, a build stops; a deployment under way finishes or rolls back')
    .argument('<id>', 'the pipeline id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const r = await clientFromEnv().call(api.pipelineCancel, { params: { id } });
      if (globalOptions(cmd).json) return printJson(r);
      const said = { cancelled: 'cancelled: it will not run', stopping: 'stopping: its build is cut and nothing ships', deploying: 'its deployment has started: it finishes or rolls back, never half done' };
      process.stdout.write(`pipeline ${id}: ${said[r.status]}\n`);
    });

  const previews = program
    .command('previews')
    .description("an app's preview environments, one per branch or pull request, with URL, branch, commit and age")
    .argument('<app>', 'the app')
    .action(async (app: string, _opts: unknown, cmd: Command) => {
      const rows = await clientFromEnv().call(api.previews, { params: { app } });
      if (globalOptions(cmd).json) return printJson(rows);
      const body = rows.map((p) => [p.env, p.url, p.branch, p.pullRequest ? `#${p.pullRequest}` : '-', p.commit.slice(0, 12), age(p.createdAt), age(p.pushedAt)]);
      process.stdout.write(table(['ENV', 'URL', 'BRANCH', 'PR', 'COMMIT', 'AGE', 'LAST PUSH'], body));
    });
  previews
    .command('remove')
    .description('tear a preview down now: route, containers, certificate and volumes')
    .argument('<app>', 'the app')
    .argument('<env>', 'the preview environment (see calma previews APP)')
    .action(async (app: string, env: string, _opts: unknown, cmd: Command) => {
      const r = await clientFromEnv().call(api.previewRemove, { params: { app, env } });
      if (globalOptions(cmd).json) return printJson(r);
      process.stdout.write(`removed ${app}/${r.env}: ${r.containers} containers, volumes: ${r.volumes.join(', ') || 'none'}\n`);
    });

  program
    .command('remote')
    .description("the git remote to push an app to, and its webhook URLs")
    .argument('<app>', 'the app')
    .action(async (app: string, _opts: unknown, cmd: Command) => {
      const r = await clientFromEnv().call(api.remote, { params: { app } });
      if (globalOptions(cmd).json) return printJson(r);
      const base = r.tcp ? `http://${r.tcp}` : 'http://HOST:PORT (start the daemon with --listen)';
      process.stdout.write(`git remote add calma ${base}${r.gitPath}\n(the password is a calma token with the deploy scope: calma tokens create --scope deploy --app ${app})\n`);
      process.stdout.write(`webhooks: ${r.hookPaths.map((p) => `${base}${p}`).join(' ')}\n`);
      if (r.repository) process.stdout.write(`fetches from: ${r.repository}\n`);
    });
}
