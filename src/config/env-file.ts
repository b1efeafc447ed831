// `env_file:` of the app and of each service: KEY=VALUE lines read from the
// app directory at deploy time (Node's own dotenv parser) and merged under the
// `env:` map, so a release keeps what it was deployed with (rollbacks need no
// app directory).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { UserError } from '../errors.js';
import type { CalmaConfig } from './schema.js';

function read(appDir: string, file: string, key: string): Record<string, string> {
  try {
    return parseEnv(readFileSync(resolve(appDir, file), 'utf8')) as Record<string, string>;
  } catch (e) {
    throw new UserError(`calma.yml ${key}: ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The configuration with every env_file folded into its env (env wins over the file). */
export function withEnvFiles(config: CalmaConfig, appDir: string): CalmaConfig {
  const services = Object.fromEntries(
    Object.entries(config.services).map(([name, s]) => {
      if (s.env_file === undefined) return [name, s];
      const { env_file: file, ...rest } = s;
      return [name, { ...rest, env: { ...read(appDir, file, `services.${name}.env_file`), ...s.env } }];
    }),
  ) as CalmaConfig['services'];
  if (config.env_file === undefined) return { ...config, services };
  const { env_file: file, ...rest } = config;
  return { ...rest, env: { ...read(appDir, file, 'env_file'), ...config.env }, services };
}
