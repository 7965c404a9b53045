import { describe, expect, it } from 'vitest';
import { Vector3 } from 'three';
import { dolly, fly, orbit, poseCameraPosition, poseForward, type OrbitPose } from './controls';

const pose = (): OrbitPose => ({ target: new Vector3(1, 2, 3), radius: 4, theta: 0, phi: Math.PI / 2 });

describe('map controls', () => {
  it('places the camera on its sphere around the target', () => {
    // theta 0, phi 90°: on the +z side of the target, level with it.
    const [x, y, z] = poseCameraPosition(pose()).toArray();
    expect(x).toBeCloseTo(1, 12);
    expect(y).toBeCloseTo(2, 12);
    expect(z).toBeCloseTo(7, 12);
    const forward = poseForward(pose());
    expect(forward.x).toBeCloseTo(0, 12);
    expect(forward.z).toBeCloseTo(-1, 12);
  });

  it('flies target and camera together along the view, strafes right and rises', () => {
    const p = pose();
    fly(p, 2, 0.5, 0.25);
    expect(p.target.x).toBeCloseTo(1.5, 12); // right of a camera looking down −z is +x
    expect(p.target.y).toBeCloseTo(2.25, 12);
    expect(p.target.z).toBeCloseTo(1, 12);
    expect(p.radius).toBe(4);
  });

  it('dollies toward the target, and past the near limit pushes the target ahead instead', () => {
    const p = pose();
    dolly(p, 0.5);
    expect(p.radius).toBe(2);
    const q = { ...pose(), radius: 0.1 };
    dolly(q, 0.5);
    expect(q.radius).toBe(0.1);
    expect(q.target.z).toBeCloseTo(3 - 0.05, 12);
  });

  it('orbits without passing over the poles', () => {
    const p = pose();
    orbit(p, 0.5, -10);
    expect(p.theta).toBe(0.5);
    expect(p.phi).toBeGreaterThan(0);
    expect(p.phi).toBeLessThan(0.02);
  });
});
