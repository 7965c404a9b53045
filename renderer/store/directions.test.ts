import { describe, expect, it } from 'vitest';
import { createStudioStore } from './index';
import type { Direction } from '../../app/latent/directions';

function direction(id: string, fields: Partial<Direction> = {}): Direction {
  return { id, name: id.toUpperCase(), source: 'pca', space: 'w', vector: [1, 0], scale: 2, rows: null, note: '', ...fields };
}

describe('studio store: directions', () => {
  it('turns a slider position into one edit of the latent state, removed again at 0', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().setDirections('m', [direction('a'), direction('b', { vector: [0, 1], rows: [2, 3] })]);
    s().setDirectionAmount('b', 1.5);
    s().setDirectionAmount('a', -3);
    expect(s().latent.edits).toEqual([
      { id: 'b', name: 'B', space: 'w', vector: [0, 1], scale: 2, amount: 1.5, rows: [2, 3] },
      { id: 'a', name: 'A', space: 'w', vector: [1, 0], scale: 2, amount: -3, rows: null },
    ]);
    s().setDirectionAmount('b', 2);
    expect(s().latent.edits.map((e) => [e.id, e.amount])).toEqual([['b', 2], ['a', -3]]);
    s().setDirectionAmount('b', 0);
    expect(s().latent.edits.map((e) => e.id)).toEqual(['a']);
    s().setDirectionAmount('missing', 1);
    s().resetDirectionAmounts();
    expect(s().latent.edits).toEqual([]);
  });

  it('carries renames and row ranges into a moved slider, and deleting drops its edit', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().setDirections('m', [direction('a'), direction('b')]);
    s().setDirectionAmount('a', 1);
    s().renameDirection('a', '  smile ');
    s().setDirectionRows('a', [0, 3]);
    expect(s().directions[0]).toMatchObject({ name: 'smile', rows: [0, 3] });
    expect(s().latent.edits[0]).toMatchObject({ name: 'smile', rows: [0, 3], amount: 1 });
    s().renameDirection('a', '   ');
    expect(s().directions[0]!.name).toBe('smile');
    s().removeDirection('a');
    expect(s().directions.map((d) => d.id)).toEqual(['b']);
    expect(s().latent.edits).toEqual([]);
  });

  it('reorders within bounds and replaces a recomputed direction in place, keeping its name', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().setDirections('m', [direction('a'), direction('b'), direction('c')]);
    s().moveDirection('c', -1);
    s().moveDirection('a', -1);
    expect(s().directions.map((d) => d.id)).toEqual(['a', 'c', 'b']);
    s().renameDirection('c', 'hair');
    s().setDirectionAmount('c', 4);
    s().addDirections([direction('c', { vector: [0, 1], scale: 5 }), direction('d')]);
    expect(s().directions.map((d) => [d.id, d.name])).toEqual([['a', 'A'], ['c', 'hair'], ['b', 'B'], ['d', 'D']]);
    expect(s().latent.edits[0]).toMatchObject({ id: 'c', name: 'hair', vector: [0, 1], scale: 5, amount: 4 });
  });

  it('keeps teaching marks for the same model and drops them when another model loads', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().setDirections('m', []);
    s().addTeachMark({ id: '1', label: 'has', seed: 3, vector: [1] });
    s().setDirections('m', [direction('a')]);
    expect(s().teachMarks).toHaveLength(1);
    s().setDirections('other', []);
    expect(s().teachMarks).toEqual([]);
  });
});
