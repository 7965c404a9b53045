import { describe, expect, it } from 'vitest';
import { createStudioStore } from './index';
import { UndoHistory } from '../commands/history';

describe('noise and transform actions', () => {
  it('change the latent state and are undone and redone step by step', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().selectModel('model-a');
    let clock = 0;
    const history = new UndoHistory(store, { now: () => clock });

    clock += 1000;
    s().setNoise({ mode: 'random' });
    clock += 1000;
    s().setNoise({ seed: 2 ** 32 + 5 });
    clock += 1000;
    s().setTransform({ x: 0.5 });
    clock += 1000;
    s().setTransform({ angle: 30 });
    expect(s().latent.noise).toEqual({ mode: 'random', seed: 5, strength: 1 });
    expect(s().latent.transform).toEqual({ x: 0.5, y: 0, angle: 30 });
    clock += 1000;
    s().resetTransform();
    expect(s().latent.transform).toEqual({ x: 0, y: 0, angle: 0 });

    history.undo();
    expect(s().latent.transform).toEqual({ x: 0.5, y: 0, angle: 30 });
    history.undo();
    history.undo();
    expect(s().latent.transform).toEqual({ x: 0, y: 0, angle: 0 });
    expect(s().latent.noise.seed).toBe(5);
    history.undo();
    history.undo();
    expect(s().latent.noise).toEqual({ mode: 'const', seed: 0, strength: 1 });
    history.redo();
    expect(s().latent.noise.mode).toBe('random');
  });
});
