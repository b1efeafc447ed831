// Finds where a key path is written in a YAML document, so that every problem
// can be reported as file:line:column, the way editors and terminals link them.

import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { KeyPath } from './messages.js';

/** 1-based, as editors count. */
export interface Position {
  line: number;
  column: number;
}

/**
 * The position of the value at `path`; of its key when `atKey` (an unknown key, a bad
 * key) or when the value is empty; of the nearest existing parent when it is missing.
 */
export function locate(doc: Document, lineCounter: LineCounter, path: KeyPath, atKey = false): Position {
  let node: unknown = doc.contents;
  let nearest = 0; // offset of the closest existing parent: its key, a list item, or the document start
  for (const [i, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      const keyStart = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
      if (keyStart === undefined) return at(lineCounter, nearest);
      if (i === path.length - 1 && (atKey || isEmpty(pair?.value))) return at(lineCounter, keyStart);
      nearest = keyStart;
      node = pair?.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      nearest = start(node) ?? nearest;
    } else {
      return at(lineCounter, nearest);
    }
  }
  return at(lineCounter, start(node) ?? nearest);
}

function start(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}

/** `key:` with nothing after it: its value is an empty scalar that starts where the line ends. */
function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.range?.[0] === node.range?.[1]);
}

function at(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
