#!/usr/bin/env node
// The calma executable: global flags, the subcommands, and the single
// top-level error handler.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerBuild } from './commands/build.js';
import { registerConfig } from './commands/config.js';
import { registerDeploy } from './commands/deploy.js';
import { registerHistory } from './commands/history.js';
import { registerRollback } from './commands/rollback.js';
import { registerSecrets } from './commands/secrets.js';
import { registerAppOps } from './commands/app-ops.js';
import { registerData } from './commands/data.js';
import { registerCerts } from './commands/certs.js';
import { registerServer } from './commands/server.js';
import { registerPipelines } from './commands/pipelines.js';
import { registerAccess } from './commands/access.js';
import { handleError } from './handle-error.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

export function createProgram(): Command {
  const program = new Command('calma')
    .description('deploy Docker applications on your own servers: tested, tagged images from a multi-stage Dockerfile')
    .version(pkg.version)
    .option('--json', 'machine-readable output on stdout')
    .option('--verbose', 'show stacks of internal errors')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(s) });
  registerBuild(program);
  registerConfig(program);
  registerDeploy(program);
  registerRollback(program);
  registerHistory(program);
  registerSecrets(program);
  registerAppOps(program);
  registerData(program);
  registerCerts(program);
  registerServer(program);
  registerPipelines(program);
  registerAccess(program);
  return program;
}

async function main(): Promise<void> {
  const program = createProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    const o = program.opts<{ verbose?: boolean; json?: boolean }>();
    process.exitCode = handleError(e, { verbose: o.verbose === true, json: o.json === true });
  }
}

await main();
