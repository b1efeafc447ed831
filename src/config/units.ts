// Durations and sizes as people write them in calma.yml, turned into the plain
// numbers the rest of the program works with (milliseconds, bytes).

const MS_PER_UNIT = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** One or more `<integer><unit>` parts: `500ms`, `5s`, `1m30s`, `7d`. A unit is required. */
export const DURATION_PATTERN = /^(?:\d+(?:ms|s|m|h|d))+$/;

/** `<number>[unit]`; units are binary like Docker's and nginx's: k = KiB, m = MiB, ... */
export const SIZE_PATTERN = /^\d+(?:\.\d+)?\s*(?:[kKmMgGtT](?:[iI]?[bB])?|[bB])?$/;

const BYTES_PER_UNIT: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Milliseconds, or undefined when `s` is not a duration (or too large to be exact). */
export function parseDuration(s: string): number | undefined {
  if (!DURATION_PATTERN.test(s)) return undefined;
  let total = 0;
  for (const [, amount, unit] of s.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    total += Number(amount) * MS_PER_UNIT[unit as keyof typeof MS_PER_UNIT];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Bytes, or undefined when `s` is not a size. A plain number is a count of bytes. */
export function parseSize(s: string | number): number | undefined {
  if (typeof s === 'number') return Number.isSafeInteger(s) && s >= 0 ? s : undefined;
  if (!SIZE_PATTERN.test(s)) return undefined;
  const match = /^([\d.]+)\s*([a-z]?)/i.exec(s);
  const multiplier = BYTES_PER_UNIT[(match?.[2] ?? '').toLowerCase()] ?? 1;
  // A fraction of a byte means nothing: `1.5k` is 1536, `0.5b` is 0.
  const bytes = Math.floor(Number(match?.[1]) * multiplier);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
