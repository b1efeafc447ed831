// `calma certs [APP]` and `calma certs add APP --env E --cert FILE --key FILE`.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { api } from '../../api/contract.js';
import { UserError } from '../../errors.js';
import { clientFromEnv } from '../client.js';
import { globalOptions, printJson } from '../context.js';
import { table } from '../table.js';

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`--${what}: ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function registerCerts(program: Command): void {
  const certs = program
    .command('certs')
    .description('every certificate: its names, issuer, expiry, last renewal attempt and its outcome')
    .argument('[app]', 'only this app')
    .action(async (app: string | undefined, _opts: unknown, cmd: Command) => {
      const rows = await clientFromEnv().call(api.certs, { query: app ? { app } : {} });
      if (globalOptions(cmd).json) return printJson(rows);
      const outcome = (r: (typeof rows)[number]) => (r.lastError ? `failed (${r.failures}×): ${r.lastError}${r.nextAttemptAt ? `; retry at ${r.nextAttemptAt}` : ''}` : 'ok');
      process.stdout.write(
        table(
          ['APP', 'ENV', 'SOURCE', 'NAMES', 'ISSUER', 'EXPIRES', 'LAST ATTEMPT', 'OUTCOME'],
          rows.map((r) => [r.app, r.env, r.source, r.names.join(','), r.issuer ?? '-', r.notAfter ?? '-', r.lastAttemptAt ?? '-', outcome(r)]),
        ),
      );
    });
  certs
    .command('renew')
    .description("ask the CA for the environment's certificate now, whatever its renewal date or retry backoff")
    .argument('<app>', 'the app')
    .option('-e, --env <name>', 'the environment', 'production')
    .addHelpText('after', '\nExit codes: 0 a new certificate is served; 1 the attempt failed (the old certificate, if any, is still served).')
    .action(async (app: string, opts: { env: string }, cmd: Command) => {
      const before = Date.now();
      const r = await clientFromEnv().call(api.certsRenew, { params: { app, env: opts.env } });
      if (globalOptions(cmd).json) printJson(r);
      const failed = r.lastError !== null && r.lastAttemptAt !== null && Date.parse(r.lastAttemptAt) >= before - 1000;
      if (failed) throw new UserError(`the certificate of ${app}/${opts.env} was not renewed: ${r.lastError}`);
      if (!globalOptions(cmd).json) process.stdout.write(`${app}/${opts.env}: serial ${r.serial}, expires ${r.notAfter}\n`);
    });
  certs
    .command('add')
    .description("serve your own certificate for an environment's names instead of one from ACME")
    .argument('<app>', 'the app')
    .option('-e, --env <name>', 'the environment', 'production')
    .requiredOption('--cert <file>', 'the certificate (PEM, with its chain)')
    .requiredOption('--key <file>', 'its private key (PEM)')
    .action(async (app: string, opts: { env: string; cert: string; key: string }, cmd: Command) => {
      const body = { certPem: readPem(opts.cert, 'cert'), keyPem: readPem(opts.key, 'key') };
      const r = await clientFromEnv().call(api.certsAdd, { params: { app, env: opts.env }, body });
      if (globalOptions(cmd).json) return printJson(r);
      process.stdout.write(`${app}/${opts.env} now serves ${r.names.join(', ')} (expires ${r.notAfter}) over HTTPS\n`);
    });
}
