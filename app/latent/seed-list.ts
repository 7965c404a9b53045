/**
 * Seed lists as NVIDIA's scripts accept them: comma-separated seeds and inclusive ranges,
 * e.g. `0-99,200`.
 */

/** Raised for a seed list that cannot be read; the message quotes the bad part. */
export class SeedListError extends Error {
  override readonly name = 'SeedListError';
}

/** The longest list a user can ask for in one go (a guard against `0-4294967295`). */
export const MAX_SEED_LIST = 100_000;

/** Parse `0-3,7,10-12` into [0, 1, 2, 3, 7, 10, 11, 12] (order kept, duplicates kept). */
export function parseSeedList(text: string): number[] {
  const seeds: number[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!match) throw new SeedListError(`"${part}" is not a seed or a range like 0-99`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (first > 0xffffffff || last > 0xffffffff) throw new SeedListError(`"${part}": seeds go from 0 to 4294967295`);
    if (last < first) throw new SeedListError(`"${part}": a range must go up, like ${last}-${first}`);
    if (seeds.length + (last - first + 1) > MAX_SEED_LIST) throw new SeedListError(`the list has more than ${MAX_SEED_LIST} seeds`);
    for (let s = first; s <= last; s++) seeds.push(s);
  }
  if (seeds.length === 0) throw new SeedListError('the seed list is empty: give seeds like 0-3,7');
  return seeds;
}
