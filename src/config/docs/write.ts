// `npm run gen:docs`: writes the generated JSON Schema and reference page, which
// are committed so that editors and readers of the repository find them.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderJsonSchema, renderMarkdown } from './render.js';

// Compiled to dist/src/config/docs/write.js: the repository root is four levels up.
const root = new URL('../../../../', import.meta.url);

const outputs: [string, string][] = [
  ['schema/calma.schema.json', `${JSON.stringify(renderJsonSchema(), null, 2)}\n`],
  ['docs/configuration.md', renderMarkdown()],
];

for (const [path, text] of outputs) {
  const file = fileURLToPath(new URL(path, root));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`wrote ${path}\n`);
}
