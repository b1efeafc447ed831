// `calma secrets set|unset|list APP`: values go in, names come out; a value is
// never printed back. Without VALUE, `set` reads it from stdin, so it stays
// out of the shell's history and the process list.
import type { Command } from 'commander';
import { api } from '../../api/contract.js';
import { UserError } from '../../errors.js';
import { clientFromEnv } from '../client.js';
import { globalOptions, printJson } from '../context.js';
import { table } from '../table.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UserError('give the value as an argument or on stdin (e.g. `printf %s "$VALUE" | calma secrets set APP NAME`)');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerSecrets(program: Command): void {
  const secrets = program.command('secrets').description("an app's secrets: set as environment variables of its containers, stored encrypted");
  secrets
    .command('set')
    .description('set a secret (used from the next deployment on); the value is read from stdin when not given')
    .argument('<app>', 'the app')
    .argument('<name>', 'the variable name, as listed under `secrets:` in calma.yml')
    .argument('[value]', 'the value (prefer stdin: arguments show up in the process list)')
    .action(async (app: string, name: string, value: string | undefined, _opts: unknown, cmd: Command) => {
      const r = await clientFromEnv().call(api.secretsSet, { params: { app, name }, body: { value: value ?? (await readStdin()) } });
      if (globalOptions(cmd).json) printJson(r);
      else process.stdout.write(`secret ${r.name} of ${app} set; it applies from the next deployment\n`);
    });
  secrets
    .command('unset')
    .description('remove a secret')
    .argument('<app>', 'the app')
    .argument('<name>', 'the variable name')
    .action(async (app: string, name: string, _opts: unknown, cmd: Command) => {
      const r = await clientFromEnv().call(api.secretsUnset, { params: { app, name } });
      if (globalOptions(cmd).json) printJson(r);
      else process.stdout.write(r.removed ? `secret ${name} of ${app} removed\n` : `${app} has no secret ${name}\n`);
    });
  secrets
    .command('list')
    .description('the names of the secrets that are set (never their values)')
    .argument('<app>', 'the app')
    .action(async (app: string, _opts: unknown, cmd: Command) => {
      const rows = await clientFromEnv().call(api.secretsList, { params: { app } });
      if (globalOptions(cmd).json) printJson(rows);
      else process.stdout.write(table(['NAME', 'UPDATED'], rows.map((r) => [r.name, r.updatedAt])));
    });
}
