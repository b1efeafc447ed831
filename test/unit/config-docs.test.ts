import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderJsonSchema, renderMarkdown } from '../../src/config/docs/render.js';

const root = new URL('../../../', import.meta.url);
const committed = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const HINT = 'out of date with src/config/schema.ts: run `npm run gen:docs`';

test('schema/calma.schema.json is generated from the schema', () => {
  assert.deepEqual(JSON.parse(committed('schema/calma.schema.json')), renderJsonSchema(), `schema/calma.schema.json is ${HINT}`);
});

test('docs/configuration.md is generated from the schema', () => {
  assert.equal(committed('docs/configuration.md'), renderMarkdown(), `docs/configuration.md is ${HINT}`);
});

test('the JSON Schema documents every key with a description', () => {
  const missing: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const s = node as Record<string, unknown>;
    const properties = (s.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const [key, child] of Object.entries(properties)) {
      if (typeof child.description !== 'string') missing.push(`${path}${key}`);
      visit(child, `${path}${key}.`);
    }
    for (const sub of [s.items, s.additionalProperties, ...((s.anyOf as unknown[]) ?? [])]) visit(sub, path);
  };
  visit(renderJsonSchema(), '');
  assert.deepEqual(missing, []);
});
