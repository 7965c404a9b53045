import { describe, expect, it } from 'vitest';
import type { Direction } from '../latent/directions';
import { latentState, type LatentState } from '../state/latent-state';
import { applyControl, controlTargets, pathState, targetKey, type ControlContext, type ControlTarget } from './targets';

const direction: Direction = { id: 'pca-0', name: 'Age', source: 'pca', space: 'w', vector: [1, 0, 0], scale: 2, rows: [0, 3], note: '' };
const stylegan: ControlContext['model'] = {
  family: 'stylegan',
  num_ws: 4,
  c_dim: 0,
  noise_inputs: [{ name: 'noise0', resolution: 4 }],
  transform_input: { name: 'transform', default: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] },
};
const ctx = (keyframes: LatentState[] = [], model = stylegan): ControlContext => ({ model, directions: [direction], keyframes });
const base = latentState({ seed: 5, psi: 0.7, mix: [{ seed: 9, rows: [1] }] });

/** The fields of `after` that differ from `before`, by name. */
function changed(before: LatentState, after: LatentState): string[] {
  return (Object.keys(before) as (keyof LatentState)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

describe('applyControl', () => {
  const cases: [ControlTarget, number, keyof LatentState, (s: LatentState) => unknown, unknown][] = [
    [{ kind: 'psi' }, 0.3, 'psi', (s) => s.psi, 0.3],
    [{ kind: 'seed' }, 42.4, 'seed', (s) => s.seed, 42],
    [{ kind: 'noise-strength' }, 1.5, 'noise', (s) => s.noise, { mode: 'const', seed: 0, strength: 1.5 }],
    [{ kind: 'transform', axis: 'y' }, 0.25, 'transform', (s) => s.transform, { x: 0, y: 0.25, angle: 0 }],
    [{ kind: 'mix', index: 0 }, 0.6, 'mix', (s) => s.mix, [{ seed: 9, rows: [1], weight: 0.6 }]],
    [{ kind: 'edit', id: 'pca-0' }, 3, 'edits', (s) => s.edits, [{ id: 'pca-0', name: 'Age', space: 'w', vector: [1, 0, 0], scale: 2, amount: 3, rows: [0, 3] }]],
  ];
  for (const [target, value, field, read, expected] of cases) {
    it(`${targetKey(target)} changes ${field} and nothing else`, () => {
      const after = applyControl(base, target, value, ctx());
      expect(read(after)).toEqual(expected);
      expect(changed(base, after)).toEqual([field]);
    });
  }

  it('clamps every target to its range', () => {
    expect(applyControl(base, { kind: 'psi' }, 9, ctx()).psi).toBe(2);
    expect(applyControl(base, { kind: 'psi' }, -9, ctx()).psi).toBe(-1);
    expect(applyControl(base, { kind: 'psi' }, 0, ctx([], { ...stylegan, family: 'conditional' })).psi).toBe(0.02);
    expect(applyControl(base, { kind: 'mix', index: 0 }, 1.7, ctx()).mix[0]?.weight).toBe(1);
    expect(applyControl(base, { kind: 'mix', index: 0 }, -1, ctx()).mix[0]?.weight).toBe(0);
    expect(applyControl(base, { kind: 'edit', id: 'pca-0' }, -40, ctx()).edits[0]?.amount).toBe(-10);
    expect(applyControl(base, { kind: 'noise-strength' }, 5, ctx()).noise.strength).toBe(2);
    expect(applyControl(base, { kind: 'transform', axis: 'angle' }, 500, ctx()).transform.angle).toBe(180);
    expect(applyControl(base, { kind: 'seed' }, -3, ctx()).seed).toBe(0);
    expect(applyControl(base, { kind: 'seed' }, Number.NaN, ctx()).seed).toBe(0);
  });

  it('changes an edit already in the state in place, and ignores a direction or source that is gone', () => {
    const edited = applyControl(base, { kind: 'edit', id: 'pca-0' }, 2, ctx());
    const again = applyControl(edited, { kind: 'edit', id: 'pca-0' }, -1, ctx());
    expect(again.edits.map((e) => e.amount)).toEqual([-1]);
    expect(applyControl(base, { kind: 'edit', id: 'gone' }, 2, ctx())).toBe(base);
    expect(applyControl(base, { kind: 'mix', index: 2 }, 0.5, ctx())).toBe(base);
  });

  it('blends the chosen classes by the weight vector, normalised, and keeps the classes at all-zero weights', () => {
    const model = { ...stylegan, family: 'conditional' as const, c_dim: 20 };
    const target: ControlTarget = { kind: 'class-blend', classes: [3, 7, 11] };
    const after = applyControl(base, target, [1, 3, 0], ctx([], model));
    expect(after.classes).toEqual([
      { index: 3, weight: 0.25 },
      { index: 7, weight: 0.75 },
    ]);
    expect(changed(base, after)).toEqual(['classes']);
    expect(applyControl(base, target, [0, 0, 0], ctx([], model))).toBe(base);
  });
});

describe('pathState', () => {
  const a = latentState({ seed: 1, psi: 0.5, transform: { x: 0, y: 0, angle: 0 } });
  const b = latentState({ seed: 2, psi: 1, transform: { x: 1, y: 0, angle: 90 } });
  const c = latentState({ seed: 3, psi: 1 });

  it('is keyframe a at 0, b mixed in at weight u over every row between, the last keyframe at 1', () => {
    expect(pathState([a, b, c], 0, stylegan)).toEqual(a);
    const quarter = pathState([a, b, c], 0.125, stylegan)!;
    expect(quarter.seed).toBe(1);
    expect(quarter.psi).toBeCloseTo(0.625, 12);
    expect(quarter.mix).toEqual([{ seed: 2, rows: [0, 1, 2, 3], weight: 0.25 }]);
    expect(quarter.transform).toEqual({ x: 0.25, y: 0, angle: 22.5 });
    expect(pathState([a, b, c], 1, stylegan)?.mix).toEqual([{ seed: 3, rows: [0, 1, 2, 3], weight: 1 }]);
    expect(pathState([a], 0.5, stylegan)).toBeNull();
  });

  it('lerps edit amounts, and steps to the nearer keyframe for a z-space model', () => {
    const edit = { id: 'e', name: 'e', space: 'w' as const, vector: [1], scale: 1, rows: null };
    const ea = { ...a, edits: [{ ...edit, amount: 2 }] };
    const eb = { ...b, edits: [{ ...edit, amount: 4 }] };
    expect(pathState([ea, eb], 0.5, stylegan)?.edits.map((e) => e.amount)).toEqual([3]);
    const plain = { ...stylegan, family: 'plain' as const };
    expect(pathState([a, b], 0.4, plain)?.seed).toBe(1);
    expect(pathState([a, b], 0.6, plain)?.seed).toBe(2);
  });

  it('is what the path target applies', () => {
    expect(applyControl(base, { kind: 'path' }, 0.5, ctx([a, b]))).toEqual(pathState([a, b], 0.5, stylegan));
    expect(applyControl(base, { kind: 'path' }, 0.5, ctx([a]))).toBe(base);
  });
});

describe('controlTargets', () => {
  it('offers what the model and state have, each with a distinct key and its range', () => {
    const choices = controlTargets(base, ctx([base, base]));
    expect(choices.map((c) => targetKey(c.target))).toEqual(['psi', 'edit:pca-0', 'mix:0', 'noise-strength', 'transform:x', 'transform:y', 'transform:angle', 'path', 'seed']);
    expect(choices.find((c) => c.target.kind === 'seed')?.range).toEqual({ min: 0, max: 0xffffffff, integer: true });
    const conditional = controlTargets(base, ctx([], { family: 'conditional', num_ws: 0, c_dim: 30 }));
    expect(conditional.map((c) => targetKey(c.target))).toEqual(['psi', 'edit:pca-0', 'class-blend:0.1.2.3.4.5.6.7.8.9.10.11', 'seed']);
    expect(conditional[0]?.range).toEqual({ min: 0.02, max: 1 });
  });
});
