// What every command receives: the global flags and where to write.
import type { Command } from 'commander';

export interface GlobalOptions {
  json: boolean;
  verbose: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as Partial<GlobalOptions>;
  return { json: o.json === true, verbose: o.verbose === true };
}

export function printJson(value: unknown, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
