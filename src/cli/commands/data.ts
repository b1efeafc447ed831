// `calma services`, `calma backup`, `calma backups`, `calma restore`: an
// app's data and what keeps it.
import type { Command } from 'commander';
import { api } from '../../api/contract.js';
import { formatBytes } from '../../build/format.js';
import { clientFromEnv } from '../client.js';
import { globalOptions, printJson } from '../context.js';
import { deploymentPrinter } from '../deployment-output.js';
import { table } from '../table.js';

export function registerData(program: Command): void {
  const services = program
    .command('services')
    .description("an app's services (databases, caches…) and their state")
    .argument('<app>', 'the app')
    .option('-e, --env <name>', 'only this environment')
    .action(async (app: string, opts: { env?: string }, cmd: Command) => {
      const rows = await clientFromEnv().call(api.services, { params: { app }, query: opts.env ? { env: opts.env } : {} });
      if (globalOptions(cmd).json) return printJson(rows);
      // The address the app reaches it at on the environment's network, e.g. db:5432.
      const address = (r: (typeof rows)[number]) => (r.port === null ? r.name : `${r.name}:${r.port}`);
      process.stdout.write(table(['SERVICE', 'ENV', 'ADDRESS', 'IMAGE', 'STATE', 'STATUS'], rows.map((r) => [r.name, r.env, address(r), r.image, r.state, r.status])));
    });
  services
    .command('restart')
    .description('restart one service')
    .argument('<app>', 'the app')
    .argument('<name>', 'the service')
    .option('-e, --env <name>', 'the environment', 'production')
    .action(async (app: string, name: string, opts: { env: string }, cmd: Command) => {
      const r = await clientFromEnv().call(api.serviceRestart, { params: { app, name }, body: { env: opts.env } });
      if (globalOptions(cmd).json) return printJson(r);
      process.stdout.write(`restarted ${r.name} (${r.container}): ${r.state}\n`);
    });

  program
    .command('backup')
    .description("take a backup of an environment's volumes and service dumps now")
    .argument('<app>', 'the app')
    .option('-e, --env <name>', 'the environment', 'production')
    .action(async (app: string, opts: { env: string }, cmd: Command) => {
      const json = globalOptions(cmd).json;
      let id = '';
      await clientFromEnv().stream(api.backupTake, { params: { app }, body: { env: opts.env } }, (e) => {
        if (e.type === 'log') (json ? process.stderr : process.stdout).write(`${e.line}\n`);
        else if (e.type === 'result') {
          id = e.backup.id;
          if (json) printJson(e.backup);
          else process.stdout.write(`backup ${e.backup.id}: ${formatBytes(e.backup.bytes)} in ${e.backup.path}\n`);
        }
      });
      if (!id) process.exitCode = 1;
    });

  program
    .command('backups')
    .description("an app's backups, newest first: id, time, release, size, verified")
    .argument('<app>', 'the app')
    .option('-e, --env <name>', 'only this environment')
    .action(async (app: string, opts: { env?: string }, cmd: Command) => {
      const rows = await clientFromEnv().call(api.backups, { params: { app }, query: opts.env ? { env: opts.env } : {} });
      if (globalOptions(cmd).json) return printJson(rows);
      const verified = (r: (typeof rows)[number]) => (r.verifyError ? `DAMAGED: ${r.verifyError}` : r.verifiedAt ? `yes (${r.verifiedAt})` : 'no');
      process.stdout.write(table(['ID', 'ENV', 'TAKEN', 'KIND', 'RELEASE', 'SIZE', 'VERIFIED'], rows.map((r) => [r.id, r.env, r.createdAt, r.kind, r.release, formatBytes(r.bytes), verified(r)])));
    });

  program
    .command('restore')
    .description('restore a backup: checksums verified, the app stopped, volumes replaced and dumps replayed, the app started again')
    .argument('<app>', 'the app')
    .argument('<backup>', 'the backup id (see calma backups APP)')
    .option('-e, --env <name>', 'the environment', 'production')
    .addHelpText('after', '\nExit codes: 0 restored and healthy; 1 not (a damaged backup is refused before anything stops).')
    .action(async (app: string, backup: string, opts: { env: string }, cmd: Command) => {
      const printer = deploymentPrinter(globalOptions(cmd));
      await clientFromEnv().stream(api.restore, { params: { app }, body: { env: opts.env, backup } }, printer.onEvent);
      printer.finish(`restored ${app}/${opts.env} from ${backup}; serving`);
    });
}
