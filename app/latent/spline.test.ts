import { describe, expect, it } from 'vitest';
import { cubicSpline } from './spline';
import { pythonJson, pythonMissing } from '../../test-support/python';

const scipyOk = pythonMissing('scipy.interpolate') === '';

const scipy = (script: string): number[][] => pythonJson(script);

describe('cubicSpline', () => {
  const points = [0, 0, 1, 2, 3, -1, 0.5, 4]; // 4 keyframes in 2-D
  const times = [0, 1, 2.5, 3];

  it('passes through every keyframe, open and closed', () => {
    for (const closed of [false, true]) {
      const s = cubicSpline(points, times, 2, closed, 4);
      times.forEach((t, i) => {
        const p = s.at(t);
        expect(p[0]).toBeCloseTo(points[i * 2]!, 12);
        expect(p[1]).toBeCloseTo(points[i * 2 + 1]!, 12);
      });
    }
  });

  it('closes seamlessly: value, slope and curvature match across the period', () => {
    const s = cubicSpline(points, times, 2, true, 4);
    const f = (t: number) => s.at(t)[1]!;
    expect(f(4)).toBeCloseTo(f(0), 12);
    // One-sided derivatives just before the period end and just after its start agree.
    const e1 = 1e-6;
    expect((f(4) - f(4 - e1)) / e1).toBeCloseTo((f(e1) - f(0)) / e1, 3);
    const e2 = 1e-3;
    const left = (f(4) - 2 * f(4 - e2) + f(4 - 2 * e2)) / e2 ** 2;
    const right = (f(2 * e2) - 2 * f(e2) + f(0)) / e2 ** 2;
    expect(Math.abs(left - right)).toBeLessThan(0.05 * Math.max(1, Math.abs(left)));
  });

  it.skipIf(!scipyOk)('equals scipy CubicSpline with periodic and natural boundaries', () => {
    const ts = [0.1, 0.7, 1.3, 2.2, 2.9, 3.6];
    const script = (bc: string, closePts: boolean) => `
import json, numpy as np
from scipy.interpolate import CubicSpline
t = np.array([0, 1, 2.5, 3] + ([4] if ${closePts ? 'True' : 'False'} else []))
y = np.array([[0,0],[1,2],[3,-1],[0.5,4]] + ([[0,0]] if ${closePts ? 'True' : 'False'} else []), dtype=float)
s = CubicSpline(t, y, bc_type='${bc}')
print(json.dumps(s(np.array(${JSON.stringify(ts)})).tolist()))`;
    const periodic = scipy(script('periodic', true));
    const natural = scipy(script('natural', false));
    const closed = cubicSpline(points, times, 2, true, 4);
    const open = cubicSpline(points, times, 2, false);
    ts.forEach((t, k) => {
      for (let j = 0; j < 2; j++) {
        expect(closed.at(t)[j]).toBeCloseTo(periodic[k]![j]!, 10);
        if (t <= 3) expect(open.at(t)[j]).toBeCloseTo(natural[k]![j]!, 10);
      }
    });
  });

  it('refuses times that do not increase', () => {
    expect(() => cubicSpline([0, 1], [0, 0], 1, false)).toThrow(RangeError);
    expect(() => cubicSpline([0, 1], [0, 1], 1, true, 1)).toThrow(RangeError);
  });
});
