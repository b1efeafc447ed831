// Every problem in calma.yml reads the same way: `expected <what>, got <value>`,
// `missing required key "x"`, `unknown key "x" (did you mean "y"?)`. Fields with a
// format of their own (durations, names, commands) word their expectation through
// `expecting()`; everything else is worded by `defaultMessages`, the error map
// given to every parse. `describeIssues()` then flattens zod's issue tree into
// one message per problem, each with the key path it belongs to.

import { distance } from 'fastest-levenshtein';
import type { z } from 'zod';

export type KeyPath = (string | number)[];

/** A problem's message and where it belongs; `atKey` points at the key rather than its value. */
export interface PathMessage {
  path: KeyPath;
  atKey: boolean;
  message: string;
}

type RawIssue = z.core.$ZodRawIssue;
type Issue = z.core.$ZodIssue;

/** A value as the user wrote it: strings quoted, collections by their kind. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

export function expected(what: string, value: unknown): string {
  return `expected ${what}, got ${show(value)}`;
}

/** The error of a field with its own format; a missing key is left to `defaultMessages`. */
export function expecting(what: string): (issue: RawIssue) => string | undefined {
  return (issue) => (issue.input === undefined ? undefined : expected(what, issue.input));
}

const TYPE_PHRASES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

function typePhrase(type: string): string {
  return TYPE_PHRASES[type] ?? `a ${type}`;
}

function boundPhrase(origin: string, comparison: string, bound: number | bigint): string {
  if (origin === 'array') return `a list of ${comparison} ${bound} item${bound === 1 ? '' : 's'}`;
  if (origin === 'string') return `a string of ${comparison} ${bound} character${bound === 1 ? '' : 's'}`;
  return `a number ${comparison} ${bound}`;
}

/** The wording of every issue whose field did not word it itself. */
export const defaultMessages: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const key = issue.path?.at(-1);
      if (issue.input === undefined && key !== undefined) return `missing required key "${String(key)}"`;
      return expected(typePhrase(issue.expected), issue.input);
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      return expected(values.length === 1 ? String(values[0]) : `one of ${values.join(', ')}`, issue.input);
    }
    case 'too_small':
      return expected(boundPhrase(issue.origin, issue.inclusive ? 'at least' : 'more than', issue.minimum), issue.input);
    case 'too_big':
      return expected(boundPhrase(issue.origin, issue.inclusive ? 'at most' : 'less than', issue.maximum), issue.input);
    case 'invalid_key':
      return issue.issues[0]?.message;
    default:
      return undefined;
  }
};

/** Suggests the closest allowed key, only when it is close enough to be a typo of it. */
export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  // Short keys get one edit, longer ones two or three (a transposition counts as two).
  const limit = key.length <= 3 ? 1 : key.length <= 8 ? 2 : 3;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const d = distance(key, candidate);
    if (d <= limit && (best === undefined || d < best.distance)) best = { key: candidate, distance: d };
  }
  return best ? `unknown key "${key}" (did you mean "${best.key}"?)` : `unknown key "${key}"`;
}

/** One message per problem, in the order zod found them. `schema` supplies the allowed keys. */
export function describeIssues(issues: readonly Issue[], schema: z.core.$ZodType): PathMessage[] {
  return issues.flatMap((issue) => describe(issue, [], schema));
}

function describe(issue: Issue, prefix: KeyPath, schema: z.core.$ZodType): PathMessage[] {
  const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
  switch (issue.code) {
    case 'invalid_union': {
      // A branch that failed on more than the input's type is the one the user meant
      // (a mapping for a volume's long form): report its own problems, not the union.
      const meant = issue.errors.find((errors) => !errors.every((e) => e.code === 'invalid_type' && e.path.length === 0));
      if (meant) return meant.flatMap((e) => describe(e, path, schema));
      return [{ path, atKey: false, message: issue.message }];
    }
    case 'unrecognized_keys': {
      const allowed = allowedKeys(schema, path);
      return issue.keys.map((key) => ({ path: [...path, key], atKey: true, message: unknownKeyMessage(key, allowed) }));
    }
    case 'invalid_key':
      return [{ path, atKey: true, message: issue.message }];
    default:
      return [{ path, atKey: false, message: issue.message }];
  }
}

// The minimum of zod's schema definitions needed to find an object's keys by path.
interface Def {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  options?: z.core.$ZodType[];
}

const defOf = (schema: z.core.$ZodType): Def => schema._zod.def as unknown as Def;

/** The schemas a value of `schema` is checked against, through defaults, pipes and unions. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType[] {
  const def = defOf(schema);
  if (def.innerType) return unwrap(def.innerType);
  if (def.type === 'pipe' && def.in) return unwrap(def.in);
  if (def.options) return def.options.flatMap(unwrap);
  return [schema];
}

function children(schema: z.core.$ZodType, key: string | number): z.core.$ZodType[] {
  const def = defOf(schema);
  const child = def.type === 'object' ? def.shape?.[key] : (def.element ?? def.valueType);
  return child ? unwrap(child) : [];
}

/** The keys allowed in the mapping at `path` (of every object a union there offers). */
export function allowedKeys(schema: z.core.$ZodType, path: KeyPath): string[] {
  let nodes = unwrap(schema);
  for (const key of path) nodes = nodes.flatMap((node) => children(node, key));
  return [...new Set(nodes.flatMap((node) => Object.keys(defOf(node).shape ?? {})))];
}
