import { describe, expect, it } from 'vitest';
import { createStudioStore } from './index';
import { DEFAULT_MAP_COUNT, selectMapDirections, type MapExample } from './slices/map';
import type { Direction } from '../../app/latent/directions';

const example = (seed: number, vector = [seed, 0]): MapExample => ({ seed, classIndex: -1, vector });

function direction(id: string): Direction {
  return { id, name: id.toUpperCase(), source: 'pca', space: 'w', vector: [1, 0], scale: 1, rows: null, note: '' };
}

describe('studio store: latent map', () => {
  it('opens by default on 2,000 PCA points and clamps the count to 3 … 20,000', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    expect([s().mapOpen, s().mapCount, s().mapProjection]).toEqual([true, DEFAULT_MAP_COUNT, 'pca']);
    expect(DEFAULT_MAP_COUNT).toBe(2000);
    s().setMapCount(50_000);
    expect(s().mapCount).toBe(20_000);
    s().setMapCount(1);
    expect(s().mapCount).toBe(3);
    s().toggleMap();
    expect(s().mapOpen).toBe(false);
  });

  it('re-centres around the moment of each request, and leaves it for the whole map', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().recentreMap();
    s().recentreMap();
    expect([s().mapLocal, s().mapCentre]).toEqual([true, 2]);
    s().showWholeMap();
    expect(s().mapLocal).toBe(false);
  });

  it('keeps each point on one side of the selection: marking it again moves it', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().addMapExamples('positive', [example(1), example(2), example(3)]);
    s().addMapExamples('negative', [example(3), example(4)]);
    s().addMapExamples('positive', [example(2)]);
    expect(s().mapSelection.positive.map((e) => e.seed)).toEqual([1, 2]);
    expect(s().mapSelection.negative.map((e) => e.seed)).toEqual([3, 4]);
    s().clearMapSelection();
    expect(s().mapSelection).toEqual({ positive: [], negative: [] });
  });

  it('hands the selection to teaching by example as has / lacks marks, once per seed and side', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().addTeachMark({ id: 'old', label: 'has', seed: 1, vector: [1, 0] });
    s().addMapExamples('positive', [example(1), example(2, [0.5, 0.25])]);
    s().addMapExamples('negative', [example(7)]);
    s().teachFromMapSelection();
    expect(s().teachMarks.map((m) => [m.label, m.seed, m.vector])).toEqual([
      ['has', 1, [1, 0]],
      ['has', 2, [0.5, 0.25]],
      ['lacks', 7, [7, 0]],
    ]);
    expect(new Set(s().teachMarks.map((m) => m.id)).size).toBe(3);
    expect(s().mapSelection).toEqual({ positive: [], negative: [] });
  });

  it('lists moved sliders first, then the other directions, once each', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().setDirections('m', [direction('a'), direction('b'), direction('c')]);
    s().setDirectionAmount('c', 2);
    expect(selectMapDirections(s()).map((d) => d.id)).toEqual(['c', 'a', 'b']);
    expect(selectMapDirections(s())[0]).toEqual({ id: 'c', name: 'C', space: 'w', vector: [1, 0], scale: 1, rows: null });
  });
});
