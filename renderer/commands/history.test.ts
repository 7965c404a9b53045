import { describe, expect, it } from 'vitest';
import { createStudioStore } from '../store';
import { UndoHistory } from './history';
import type { Direction } from '../../app/latent/directions';
import { explicitLatent } from '../../app/state/explicit-latent';

/** A store with a model open, and a history on a clock the test moves. */
function setup(options: { limit?: number } = {}) {
  const store = createStudioStore();
  store.getState().selectModel('model-a');
  let clock = 0;
  const history = new UndoHistory(store, { ...options, now: () => clock });
  const s = () => store.getState();
  const tick = (ms = 1000) => (clock += ms);
  return { store, history, s, tick };
}

const direction = (id: string): Direction => ({ id, name: id, source: 'pca', space: 'w', vector: [1, 0], scale: 1, rows: null, note: '' });

describe('undo history', () => {
  it('undoes and redoes setting an explicit latent, going back to the seed, and a seed picked over it', () => {
    const { history, s, tick } = setup();
    const explicit = explicitLatent('ws', [2, 2], [0.1, -0.2, 0.3, Math.PI], 'inverted from cat.png');
    tick();
    s().setSeed(5);
    tick();
    s().setExplicit(explicit);
    expect(s().latent.explicit).toEqual(explicit);
    tick();
    s().setExplicit(undefined);
    expect('explicit' in s().latent).toBe(false);
    history.undo();
    expect(s().latent.explicit).toEqual(explicit);
    expect(s().latent.seed).toBe(5);
    tick();
    s().setSeed(9); // picking a seed is seed → z again
    expect(s().latent.explicit).toBeUndefined();
    history.undo();
    expect(s().latent).toMatchObject({ seed: 5, explicit });
    history.undo();
    expect(s().latent.explicit).toBeUndefined();
    expect(s().latent.seed).toBe(5);
    history.redo();
    expect(s().latent.explicit!.data).toEqual(explicit.data);
  });

  it('undoes and redoes more than 100 separate steps exactly', () => {
    const { history, s, tick } = setup();
    for (let seed = 1; seed <= 120; seed++) {
      tick();
      s().setSeed(seed);
    }
    expect(history.depth).toBe(120);
    for (let i = 0; i < 100; i++) history.undo();
    expect(s().latent.seed).toBe(20);
    for (let i = 0; i < 100; i++) history.redo();
    expect(s().latent.seed).toBe(120);
    for (let i = 0; i < 120; i++) history.undo();
    expect(s().latent.seed).toBe(0);
    expect(history.canUndo).toBe(false);
  });

  it('makes one step of a slider drag, and separate steps of different controls', () => {
    const { history, s, tick } = setup();
    for (let i = 1; i <= 50; i++) {
      tick(16);
      s().setPsi(1 - i / 100);
    }
    tick(16);
    s().setSeed(7);
    expect(s().latent).toMatchObject({ psi: 0.5, seed: 7 });
    history.undo();
    expect(s().latent).toMatchObject({ psi: 0.5, seed: 0 });
    history.undo();
    expect(s().latent.psi).toBe(1);
    expect(history.canUndo).toBe(false);
  });

  it('covers mixing, classes, keyframes and the direction list', () => {
    const { history, s, tick } = setup();
    tick();
    s().setMixSource(0, { rows: [0, 1] });
    tick();
    s().setLatent({ ...s().latent, classes: [{ index: 2, weight: 1 }] });
    tick();
    s().addKeyframe();
    tick();
    s().setKeyframe(0, { duration: 5 });
    s().setDirections('model-a', [direction('d1')]);
    tick();
    s().addDirections([direction('d2')]);
    tick();
    s().removeDirection('d1');

    history.undo();
    expect(s().directions.map((d) => d.id)).toEqual(['d1', 'd2']);
    history.undo();
    expect(s().directions.map((d) => d.id)).toEqual(['d1']);
    history.undo();
    expect(s().timeline.keyframes[0]?.duration).toBe(2);
    history.undo();
    expect(s().timeline.keyframes).toEqual([]);
    history.undo();
    expect(s().latent.classes).toEqual([]);
    history.undo();
    expect(s().latent.mix[0]?.rows).toEqual([]);
  });

  it('takes a reloaded direction list of the same content, or a newly opened model’s list, as no step', () => {
    const { history, s, tick } = setup();
    s().setDirections('model-a', [direction('d1')]);
    tick();
    s().setDirections('model-a', [direction('d1')]);
    expect(history.canUndo).toBe(false);
  });

  it('undoes a model switch, with the latent state it had', () => {
    const { history, s, tick } = setup();
    tick();
    s().setMixSource(0, { rows: [3] });
    tick();
    s().selectModel('model-b');
    expect(s().latent.mix[0]?.rows).toEqual([]);
    history.undo();
    expect(s().modelId).toBe('model-a');
    expect(s().latent.mix[0]?.rows).toEqual([3]);
  });

  it('drops the redo steps when something new is done, and keeps at most `limit` steps', () => {
    const { history, s, tick } = setup({ limit: 5 });
    for (let seed = 1; seed <= 10; seed++) {
      tick();
      s().setSeed(seed);
    }
    expect(history.depth).toBe(5);
    history.undo();
    history.undo();
    expect(history.canRedo).toBe(true);
    tick();
    s().setPsi(0.3);
    expect(history.canRedo).toBe(false);
    expect(s().latent.seed).toBe(8);
  });

  it('is not a step to open the first model, and reset() starts afresh', () => {
    const store = createStudioStore();
    const history = new UndoHistory(store, { now: () => 0 });
    store.getState().selectModel('first');
    expect(history.canUndo).toBe(false);
    store.getState().setSeed(4);
    expect(history.canUndo).toBe(true);
    history.reset();
    expect(history.canUndo).toBe(false);
    expect(store.getState().latent.seed).toBe(4);
  });
});

describe('undo history checkpoints', () => {
  it('keeps quick discrete actions apart when a checkpoint falls between them', () => {
    const { history, s, tick } = setup();
    for (const seed of [5, 6, 7]) {
      tick(50);
      history.checkpoint();
      s().setSeed(seed);
    }
    history.undo();
    expect(s().latent.seed).toBe(6);
    history.undo();
    expect(s().latent.seed).toBe(5);
  });
});
