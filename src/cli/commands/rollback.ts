// `calma rollback APP [RELEASE] [--env]`: back to the previous (or the named)
// release that went live, as a deployment of its own.
import type { Command } from 'commander';
import { api } from '../../api/contract.js';
import { clientFromEnv } from '../client.js';
import { globalOptions } from '../context.js';
import { deploymentPrinter } from '../deployment-output.js';

export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('deploy the previous (or the named) release of an environment again, health-gated and with zero downtime')
    .argument('<app>', 'the app')
    .argument('[release]', 'the version to go back to (see `calma releases APP`); default: the one before the current')
    .option('-e, --env <name>', 'the environment', 'production')
    .option('--with-data', 'also restore the backup taken before the current release went live (changes since are lost)')
    .addHelpText('after', '\nExit codes: 0 the release is serving; 1 it is not (the current one still is).')
    .action(async (app: string, release: string | undefined, opts: { env: string; withData?: boolean }, cmd: Command) => {
      const printer = deploymentPrinter(globalOptions(cmd));
      await clientFromEnv().stream(api.rollback, { params: { app }, body: { env: opts.env, withData: opts.withData === true, ...(release ? { release } : {}) } }, printer.onEvent);
      printer.finish('rolled back to');
    });
}
