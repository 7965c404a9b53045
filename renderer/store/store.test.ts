import { describe, expect, it } from 'vitest';
import { createStudioStore } from './index';
import { latentState } from '../../app/state/latent-state';

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

  it('takes a kept latent as a source, swaps it with the main latent, and drops it on model change', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().setSeed(10);
    s().setPsi(0.8);
    const kept = latentState({ seed: 42, psi: 0.5, edits: [] });
    s().setMixSource(0, { rows: [0, 1], kept: { label: 'Keyframe 1', state: kept } });
    expect(s().latent.mix[0]).toEqual({ seed: 1, rows: [0, 1], kept: { label: 'Keyframe 1', state: kept } });
    // Changing rows keeps the kept latent; `kept: undefined` goes back to the seed.
    s().setMixSource(0, { rows: [2] });
    expect(s().latent.mix[0]?.kept?.state.seed).toBe(42);

    s().swapMixSource(0);
    expect(s().latent.seed).toBe(42);
    expect(s().latent.psi).toBe(0.5);
    expect(s().latent.mix).toHaveLength(1);
    expect(s().latent.mix[0]?.rows).toEqual([2]);
    expect(s().latent.mix[0]?.kept?.state).toMatchObject({ seed: 10, psi: 0.8, mix: [] });

    s().setMixSource(0, { kept: undefined });
    expect(s().latent.mix[0]).toEqual({ seed: 10, rows: [2] });
    s().setMixSource(0, { kept: { label: 'Keyframe 1', state: kept } });
    s().selectModel('other');
    expect(s().latent.mix[0]).toEqual({ seed: 10, rows: [] });
  });

  it('fades a source by its weight, kept through other changes, clamped to 0 … 1, and full weight leaves no key', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().setMixSource(0, { seed: 7, rows: [2], weight: 0.4 });
    expect(s().latent.mix[0]).toEqual({ seed: 7, rows: [2], weight: 0.4 });
    s().setMixSource(0, { rows: [1, 2] });
    expect(s().latent.mix[0]).toEqual({ seed: 7, rows: [1, 2], weight: 0.4 });
    s().setMixSource(0, { weight: -3 });
    expect(s().latent.mix[0]?.weight).toBe(0);
    s().setMixSource(0, { weight: 1 });
    expect(s().latent.mix[0]).toEqual({ seed: 7, rows: [1, 2] });
  });
});
