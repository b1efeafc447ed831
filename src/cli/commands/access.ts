// `calma tokens` and `calma users`: who may use the API and the dashboard.
// Both go through the API (the socket, or CALMA_URL with an admin token), so
// they work on a remote daemon too; `calma server token create` stays the way
// to make the very first token on the server itself.
import { InvalidArgumentError, type Command } from 'commander';
import { api, scopes } from '../../api/contract.js';
import type { TokenInfo } from '../../server/tokens.js';
import { UserError } from '../../errors.js';
import { clientFromEnv } from '../client.js';
import { globalOptions, printJson } from '../context.js';
import { table } from '../table.js';

const scopeHelp = `one of ${scopes.join(', ')}: read sees, deploy also deploys, rolls back and restores, admin also manages tokens, users and secrets`;

export function tokenTable(tokens: readonly TokenInfo[]): string {
  if (tokens.length === 0) return 'no tokens (create one with `calma tokens create --scope read`)\n';
  return table(
    ['ID', 'NAME', 'SCOPE', 'APP', 'CREATED', 'EXPIRES', 'LAST USED'],
    tokens.map((t) => [t.id, t.name, t.scope, t.app ?? '(all)', t.createdAt, t.expiresAt ?? 'never', t.lastUsedAt ?? 'never']),
  );
}

export function registerAccess(program: Command): void {
  const tokens = program.command('tokens').description('API tokens for remote use (CALMA_URL + CALMA_TOKEN) and for git pushes');
  tokens
    .command('create')
    .description('create a token and print it once: it is stored only as a hash and cannot be shown again')
    .requiredOption('--scope <scope>', scopeHelp)
    .option('--app <app>', 'limit the token to one app: it sees and changes nothing else')
    .option('--name <name>', 'a label to recognise the token by in `tokens list`', 'default')
    .option('--expires <days>', 'refuse the token after this many days (1-3650)', parseDays)
    .addHelpText('after', '\nThe token alone goes to stdout (`TOKEN=$(calma tokens create --scope deploy --app shop)`); with --json, its record and value.')
    .action(async (opts: { scope: string; app?: string; name: string; expires?: number }, cmd: Command) => {
      if (!(scopes as readonly string[]).includes(opts.scope)) throw new UserError(`--scope: expected ${scopes.join(', ')}, got "${opts.scope}"`);
      const t = await clientFromEnv().call(api.tokensCreate, {
        body: { name: opts.name, scope: opts.scope as (typeof scopes)[number], ...(opts.app ? { app: opts.app } : {}), ...(opts.expires !== undefined ? { expiresInDays: opts.expires } : {}) },
      });
      if (globalOptions(cmd).json) return printJson(t);
      process.stderr.write(`created token ${t.id} (${t.name}, scope ${t.scope}${t.app ? `, app ${t.app} only` : ''}${t.expiresAt ? `, expires ${t.expiresAt}` : ''}); it is shown only this once:\n`);
      process.stdout.write(`${t.token}\n`);
    });
  tokens
    .command('list')
    .description('list tokens: id, name, scope, app, created, expiry, last used (never their values)')
    .action(async (_opts: unknown, cmd: Command) => {
      const rows = await clientFromEnv().call(api.tokensList, {});
      if (globalOptions(cmd).json) printJson(rows);
      else process.stdout.write(tokenTable(rows));
    });
  tokens
    .command('revoke')
    .description('revoke a token by its id: requests with it are refused (401) from now on')
    .argument('<id>', 'the token id shown by `calma tokens list`')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const r = await clientFromEnv().call(api.tokensRevoke, { params: { id } });
      if (globalOptions(cmd).json) printJson(r);
      else process.stdout.write(`revoked token ${id}\n`);
    });

  const users = program.command('users').description('dashboard users (log in at the daemon’s --listen address)');
  users
    .command('add')
    .description('add a user, or set the password and scope of an existing one (their sessions end)')
    .argument('<name>', 'the user name: lower-case letters, digits, . _ -')
    .option('--scope <scope>', scopeHelp, 'admin')
    .option('--password-stdin', 'read the password from stdin instead of asking for it')
    .action(async (name: string, opts: { scope: string; passwordStdin?: boolean }, cmd: Command) => {
      if (!(scopes as readonly string[]).includes(opts.scope)) throw new UserError(`--scope: expected ${scopes.join(', ')}, got "${opts.scope}"`);
      const password = opts.passwordStdin ? await stdinLine() : await askPassword();
      const u = await clientFromEnv().call(api.usersAdd, { body: { name, password, scope: opts.scope as (typeof scopes)[number] } });
      if (globalOptions(cmd).json) printJson(u);
      else process.stdout.write(`user ${u.name} can log in with the ${u.scope} scope\n`);
    });
  users
    .command('list')
    .description('list users with their scope and last login')
    .action(async (_opts: unknown, cmd: Command) => {
      const rows = await clientFromEnv().call(api.usersList, {});
      if (globalOptions(cmd).json) return printJson(rows);
      if (rows.length === 0) return void process.stdout.write('no users (add one with `calma users add NAME`)\n');
      process.stdout.write(table(['NAME', 'SCOPE', 'CREATED', 'LAST LOGIN'], rows.map((u) => [u.name, u.scope, u.createdAt, u.lastLoginAt ?? 'never'])));
    });
  users
    .command('remove')
    .description('remove a user and end their sessions')
    .argument('<name>', 'the user name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const r = await clientFromEnv().call(api.usersRemove, { params: { name } });
      if (globalOptions(cmd).json) printJson(r);
      else process.stdout.write(`removed user ${name}\n`);
    });
}

function parseDays(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 3650) throw new InvalidArgumentError('expected a whole number of days from 1 to 3650');
  return n;
}

async function stdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Asks twice on the terminal, without echo; a password never goes on the command line. */
async function askPassword(): Promise<string> {
  if (!process.stdin.isTTY) throw new UserError('no terminal to ask for the password on: pipe it in with --password-stdin');
  const { read } = await import('read');
  const first = await read({ prompt: 'password: ', silent: true, replace: '' });
  const again = await read({ prompt: 'again: ', silent: true, replace: '' });
  if (first !== again) throw new UserError('the two passwords differ');
  return first;
}
