// $CALMA_HOME: where calma keeps its state. Root gets the system location,
// anyone else a directory in their home, so a plain user never needs sudo.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function calmaHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CALMA_HOME && env.CALMA_HOME !== '') return env.CALMA_HOME;
  return process.getuid?.() === 0 ? '/var/lib/calma' : join(homedir(), '.calma');
}

export function ensureCalmaHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = calmaHome(env);
  // 0711: nginx workers (running as nobody) must pass through to the edge prefix's
  // temp directories; nothing in here can be listed by others, and secrets are 0600 files.
  mkdirSync(home, { recursive: true, mode: 0o711 });
  return home;
}
