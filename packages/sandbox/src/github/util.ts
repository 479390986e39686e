/** The value of the first pair whose condition holds, else `fallback` (flat alternative to nested ternaries). */
export function firstOf<T>(
  pairs: Array<[boolean | undefined | null | number, T]>,
  fallback: T,
): T {
  for (const [cond, value] of pairs) if (cond) return value;
  return fallback;
}
