import { describe, expect, it } from 'vitest';
import { createStudioStore } from './index';

describe('studio store: latent and mixing actions', () => {
  it('starts with one empty mixing source, caps sources at three, and masks seeds to 32 bits', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    expect(s().latent.mix).toEqual([{ seed: 1, rows: [] }]);
    s().addMixSource(5);
    s().addMixSource(6);
    s().addMixSource(7);
    expect(s().latent.mix.map((m) => m.seed)).toEqual([1, 5, 6]);
    s().setSeed(2 ** 32 + 3);
    expect(s().latent.seed).toBe(3);
  });

  it('sets rows without duplicates, swaps a source with the main seed, and forgets rows on model change', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().setSeed(10);
    s().setMixSource(0, { seed: 20, rows: [3, 1, 3] });
    expect(s().latent.mix[0]).toEqual({ seed: 20, rows: [1, 3] });
    s().swapMixSource(0);
    expect(s().latent.seed).toBe(20);
    expect(s().latent.mix[0]).toEqual({ seed: 10, rows: [1, 3] });
    s().setCutoff(4);
    s().selectModel('other');
    expect(s().latent.mix[0]).toEqual({ seed: 10, rows: [] });
    expect(s().latent.cutoff).toBeNull();
    expect(s().modelStatus).toBe('loading');
  });
});
