// The reference documentation of calma.yml, generated from its schema so that
// the docs cannot drift from what calma accepts: a JSON Schema (for editors) and
// a Markdown page. Both pure and deterministic; write.ts puts them on disk.

import { z } from 'zod';
import { calmaSchema } from '../schema.js';
import { DURATION_PATTERN, SIZE_PATTERN } from '../units.js';
import { BACKUPS_SECTION } from './backups.js';

/** The parts of a JSON Schema that the Markdown page reads. */
interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
}

/** The input side: what a user writes, with defaults as they would write them (`1s`, not 1000). */
export function renderJsonSchema(): object {
  return z.toJSONSchema(calmaSchema, { io: 'input', target: 'draft-2020-12' });
}

function typeOf(s: JsonSchema): string {
  if (s.pattern === DURATION_PATTERN.source) return 'duration';
  if (s.anyOf?.some((branch) => branch.pattern === SIZE_PATTERN.source)) return 'size';
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' or ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' or ');
  if (Array.isArray(s.type)) return s.type.join(' or ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && typeof s.additionalProperties === 'object') return `mapping of name to ${typeOf(s.additionalProperties)}`;
  if (s.type === 'object') return 'mapping';
  return s.type ?? 'any';
}

interface Row {
  key: string;
  type: string;
  default: string;
  description: string;
}

function defaultOf(s: JsonSchema, required: boolean): string {
  if (required) return 'required';
  // An empty mapping as default only says "all of its keys take their defaults".
  if (s.default === undefined || (s.properties && JSON.stringify(s.default) === '{}')) return '';
  return `\`${typeof s.default === 'string' ? s.default : JSON.stringify(s.default)}\``;
}

/** The schemas whose keys live under `key`: its own mapping, a list's items, a union's mappings. */
function nested(s: JsonSchema, key: string): [string, JsonSchema][] {
  if (s.items) return nested(s.items, `${key}[]`);
  if (s.anyOf) return s.anyOf.flatMap((branch) => nested(branch, key));
  if (typeof s.additionalProperties === 'object' && s.additionalProperties.properties) {
    return [[`${key}.<name>`, s.additionalProperties]];
  }
  return s.properties ? [[key, s]] : [];
}

function rows(s: JsonSchema, key: string, required: boolean): Row[] {
  const own = { key, type: typeOf(s), default: defaultOf(s, required), description: s.description ?? '' };
  const children = nested(s, key).flatMap(([prefix, parent]) => {
    if (prefix !== key) return rows(parent, prefix, false);
    return Object.entries(parent.properties ?? {}).map(([name, child]) =>
      rows(child, `${prefix}.${name}`, parent.required?.includes(name) ?? false),
    ).flat();
  });
  return [own, ...children];
}

const cell = (text: string): string => text.replaceAll('|', '\\|');

function table(list: Row[]): string {
  const lines = list.map((r) => `| \`${r.key}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.description)} |`);
  return ['| Key | Type | Default | Description |', '|---|---|---|---|', ...lines].join('\n');
}

const INTRO = `# calma.yml reference

\`calma.yml\`, at the root of a repository, tells calma how to build, test and deploy the app. Only
\`app\` is required; every other key has a default or is optional. Durations are written with a unit:
\`500ms\`, \`5s\`, \`2m\`, \`1h\`, \`7d\`, or combined as \`1m30s\`. Sizes take binary units like Docker's:
\`512k\`, \`64m\`, \`1g\` (also \`10MB\`, \`1GiB\`); a plain number counts bytes. Commands are lists of
arguments (\`["./app", "serve"]\`), never shell strings. Unknown keys are errors.

Editors can check the file against [schema/calma.schema.json](../schema/calma.schema.json).
This page is generated from \`src/config/schema.ts\` (and the prose in \`src/config/docs/\`) by
\`npm run gen:docs\`; do not edit it by hand.`;

export function renderMarkdown(): string {
  const root = renderJsonSchema() as JsonSchema;
  const sections = Object.entries(root.properties ?? {}).map(([key, s]) => {
    const body = rows(s, key, root.required?.includes(key) ?? false);
    return `## \`${key}\`\n\n${table(body)}`;
  });
  return `${[INTRO, ...sections, BACKUPS_SECTION].join('\n\n')}\n`;
}
