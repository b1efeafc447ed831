// `calma config check [DIR]`: every problem of calma.yml at once, or the
// normalized configuration (defaults filled in, units converted) with --json.
import type { Command } from 'commander';
import { globalOptions, printJson } from '../context.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('inspect calma.yml');
  config
    .command('check')
    .description('validate calma.yml; print every problem with its line:column, or the normalized config with --json')
    .argument('[dir]', 'the application directory holding calma.yml', '.')
    .option('-f, --file <name>', 'the configuration file name inside DIR', 'calma.yml')
    .action(async (dir: string, opts: { file: string }, cmd: Command) => {
      const { loadConfig } = await import('../../config/load.js');
      const loaded = loadConfig(dir, opts.file);
      if (globalOptions(cmd).json) printJson(loaded.config);
      else process.stdout.write(`${loaded.file}: ok (app ${loaded.config.app})\n`);
    });
}
