/** Stable 32-bit FNV-1a hash: the one seed for deterministic wording and feature hashing. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The item of `items` a seed selects, so the same intake always gets the same wording. */
export function pick<T>(items: readonly T[], seed: number): T {
  const item = items[seed % items.length];
  if (item === undefined) throw new Error("pick() needs a non-empty list");
  return item;
}
