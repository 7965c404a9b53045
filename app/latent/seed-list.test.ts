import { describe, expect, it } from 'vitest';
import { parseSeedList, SeedListError } from './seed-list';

describe('parseSeedList', () => {
  it('reads seeds and inclusive ranges like gen_images.py', () => {
    expect(parseSeedList('0-3,7, 10 - 12')).toEqual([0, 1, 2, 3, 7, 10, 11, 12]);
    expect(parseSeedList('42')).toEqual([42]);
    expect(parseSeedList('4294967295')).toEqual([4294967295]);
  });

  it.each(['', 'a', '1-', '-1', '5-2', '1.5', '4294967296', '0-200000'])('refuses %j with a SeedListError', (text) => {
    expect(() => parseSeedList(text)).toThrow(SeedListError);
  });
});
