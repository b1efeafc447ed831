import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineCounter, parseDocument } from 'yaml';
import { locate } from '../../src/config/locate.js';
import { allowedKeys, show, unknownKeyMessage } from '../../src/config/messages.js';
import { calmaSchema } from '../../src/config/schema.js';

test('values are shown as written', () => {
  assert.equal(show('fast'), '"fast"');
  assert.equal(show(5), '5');
  assert.equal(show(false), 'false');
  assert.equal(show(null), 'nothing');
  assert.equal(show([]), 'an empty list');
  assert.equal(show([1]), 'a list');
  assert.equal(show({ a: 1 }), 'a mapping');
  assert.equal(show('x'.repeat(100)), `"${'x'.repeat(57)}..."`);
});

test('unknown keys get a suggestion only when close', () => {
  const keys = ['healthcheck', 'port', 'replicas', 'test'];
  assert.equal(unknownKeyMessage('helthcheck', keys), 'unknown key "helthcheck" (did you mean "healthcheck"?)');
  assert.equal(unknownKeyMessage('prot', keys), 'unknown key "prot" (did you mean "port"?)');
  assert.equal(unknownKeyMessage('tset', keys), 'unknown key "tset" (did you mean "test"?)');
  assert.equal(unknownKeyMessage('xyz', keys), 'unknown key "xyz"');
  assert.equal(unknownKeyMessage('colour', keys), 'unknown key "colour"');
});

test('allowed keys are found through defaults, lists, records and unions', () => {
  assert.equal(allowedKeys(calmaSchema, []).includes('healthcheck'), false);
  assert.ok(allowedKeys(calmaSchema, []).includes('app'));
  assert.deepEqual(allowedKeys(calmaSchema, ['web', 'healthcheck']), ['path', 'interval', 'timeout', 'deadline']);
  assert.deepEqual(allowedKeys(calmaSchema, ['volumes', 0]), ['type', 'source', 'target', 'read_only', 'size']);
  assert.ok(allowedKeys(calmaSchema, ['services', 'db']).includes('image'));
});

test('locate points at values, keys of unknown entries, and parents of missing ones', () => {
  const lineCounter = new LineCounter();
  const doc = parseDocument('app: shop\nweb:\n  port: 80\n  empty:\nlist:\n  - a\n  - {b: 1}\n', { lineCounter });
  const at = (path: (string | number)[], atKey = false) => {
    const p = locate(doc, lineCounter, path, atKey);
    return `${p.line}:${p.column}`;
  };
  assert.equal(at(['app']), '1:6');
  assert.equal(at(['web', 'port']), '3:9');
  assert.equal(at(['web', 'port'], true), '3:3');
  assert.equal(at(['web', 'empty']), '4:3');
  assert.equal(at(['web', 'missing']), '2:1');
  assert.equal(at(['web', 'port', 'deeper']), '3:3');
  assert.equal(at(['list', 1, 'b']), '7:9');
  assert.equal(at(['list', 5]), '5:1');
  assert.equal(at(['nothing']), '1:1');
  assert.equal(at([]), '1:1');
});
