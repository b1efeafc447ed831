// calma's version, from package.json (dist/src/server → the package root).
import { readFileSync } from 'node:fs';

export const calmaVersion: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
