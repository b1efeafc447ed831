// Reads calma.yml into a CalmaConfig, or fails with every problem of the file at
// once, each with its key path and line:column, sorted as they appear.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, UserError, errorMessage, type ConfigProblem } from '../errors.js';
import { locate } from './locate.js';
import { defaultMessages, describeIssues, expected, type KeyPath } from './messages.js';
import { calmaSchema, type CalmaConfig } from './schema.js';

/** Problem paths as people read them: `web.healthcheck.interval`, `volumes[2].size`. */
function formatPath(path: KeyPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function yamlMessage(code: string, message: string): string {
  // yaml's own wording points to an API the user has never heard of.
  if (code === 'MULTIPLE_DOCS') return 'invalid YAML: expected one document, found a second one after ---';
  return `invalid YAML: ${message.charAt(0).toLowerCase()}${message.slice(1).replace(/\.$/, '')}`;
}

function byPosition(a: ConfigProblem, b: ConfigProblem): number {
  return a.line - b.line || a.column - b.column || a.path.localeCompare(b.path);
}

function fail(problems: ConfigProblem[]): never {
  throw new ConfigError(problems.sort(byPosition));
}

/** The document as plain data; syntax errors fail here, all of them. */
function readDocument(text: string, file: string, lineCounter: LineCounter): { doc: Document; data: unknown } {
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  // Validating a document that did not parse would report the damage, not the mistake.
  if (doc.errors.length > 0) {
    fail(doc.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return { file, path: '', line, column: col, message: yamlMessage(e.code, e.message) };
    }));
  }
  const atStart = (message: string): never => fail([{ file, path: '', line: 1, column: 1, message }]);
  if (doc.contents === null) return atStart('expected a mapping, got an empty file');
  let data: unknown;
  try {
    data = doc.toJS(); // throws on alias bombs
  } catch (e) {
    return atStart(yamlMessage('', errorMessage(e)));
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return atStart(expected('a mapping', data));
  return { doc, data };
}

/** Parses and validates the text of a calma.yml; `file` is only used in messages. */
export function parseConfig(text: string, file: string): CalmaConfig {
  const lineCounter = new LineCounter();
  const { doc, data } = readDocument(text, file, lineCounter);
  const result = calmaSchema.safeParse(data, { error: defaultMessages });
  if (result.success) return result.data;
  fail(describeIssues(result.error.issues, calmaSchema).map(({ path, atKey, message }) => ({
    file,
    path: formatPath(path),
    ...locate(doc, lineCounter, path, atKey),
    message,
  })));
}

/** Reads `<dir>/<fileName>`; problems name the file as `join(dir, fileName)`, e.g. `calma.yml` for `.`. */
export function loadConfig(dir: string, fileName = 'calma.yml'): { file: string; dir: string; config: CalmaConfig } {
  const file = join(dir, fileName);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`no ${fileName} in ${dir}`);
    throw new UserError(`cannot read ${file}: ${errorMessage(e)}`);
  }
  return { file, dir, config: parseConfig(text, file) };
}
