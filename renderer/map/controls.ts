/**
 * Orbit and fly navigation of the map's camera, by mouse and keyboard:
 * - drag: orbit around the target; right-drag or Shift+drag: pan; wheel: dolly toward the target
 *   (past it, the target moves ahead, so the wheel flies through the cloud);
 * - W/S: fly forward/back; A/D: strafe; Q/E: down/up; arrow keys: orbit;
 *   + / −: dolly. Keys held move smoothly, at a speed proportional to the distance to the target.
 */
import { Vector3, type PerspectiveCamera } from 'three';

const UP = new Vector3(0, 1, 0);
const scratchForward = new Vector3();
const scratchRight = new Vector3();
const scratchOffset = new Vector3();

/** The camera's pose: a target it looks at, and spherical coordinates of the camera around it. */
export interface OrbitPose {
  target: Vector3;
  radius: number;
  /** Azimuth around the vertical axis, radians. */
  theta: number;
  /** Angle from the vertical axis, radians, kept inside (0, π). */
  phi: number;
}

/** The camera position of a pose. */
export function poseCameraPosition(pose: OrbitPose, out = new Vector3()): Vector3 {
  const s = Math.sin(pose.phi);
  return out.set(s * Math.sin(pose.theta), Math.cos(pose.phi), s * Math.cos(pose.theta)).multiplyScalar(pose.radius).add(pose.target);
}

/** Unit vector from the camera toward the target. */
export function poseForward(pose: OrbitPose, out = new Vector3()): Vector3 {
  return poseCameraPosition(pose, out).sub(pose.target).normalize().negate();
}

const MIN_RADIUS = 0.05;
const MAX_RADIUS = 60;
const PHI_MARGIN = 0.01;

/** Move the pose `distance` along the view direction: the target moves with it, so this flies. */
export function fly(pose: OrbitPose, forward: number, right: number, up: number): void {
  poseForward(pose, scratchForward);
  scratchRight.crossVectors(scratchForward, UP).normalize();
  pose.target.addScaledVector(scratchForward, forward).addScaledVector(scratchRight, right).addScaledVector(UP, up);
}

/** Dolly by `factor` (< 1 moves closer); closer than the minimum, the target is pushed ahead instead. */
export function dolly(pose: OrbitPose, factor: number): void {
  const radius = pose.radius * factor;
  if (radius < MIN_RADIUS * 4 && factor < 1) {
    fly(pose, pose.radius - radius, 0, 0);
    return;
  }
  pose.radius = Math.min(MAX_RADIUS, Math.max(MIN_RADIUS, radius));
}

/** Orbit by angles in radians. */
export function orbit(pose: OrbitPose, dTheta: number, dPhi: number): void {
  pose.theta += dTheta;
  pose.phi = Math.min(Math.PI - PHI_MARGIN, Math.max(PHI_MARGIN, pose.phi + dPhi));
}

/** Keys that move the camera while held, and what they do per second at radius 1. */
const KEY_MOTION: Record<string, { fly?: [number, number, number]; orbit?: [number, number]; dolly?: number }> = {
  KeyW: { fly: [1, 0, 0] },
  KeyS: { fly: [-1, 0, 0] },
  KeyA: { fly: [0, -1, 0] },
  KeyD: { fly: [0, 1, 0] },
  KeyQ: { fly: [0, 0, -1] },
  KeyE: { fly: [0, 0, 1] },
  ArrowLeft: { orbit: [-1.2, 0] },
  ArrowRight: { orbit: [1.2, 0] },
  ArrowUp: { orbit: [0, -0.8] },
  ArrowDown: { orbit: [0, 0.8] },
  Equal: { dolly: 0.35 },
  NumpadAdd: { dolly: 0.35 },
  Minus: { dolly: 2.8 },
  NumpadSubtract: { dolly: 2.8 },
};

/** Mouse and keyboard navigation on one element; the owner calls `update` every frame. */
export class MapControls {
  readonly pose: OrbitPose = { target: new Vector3(), radius: 6, theta: 0.7, phi: 1.15 };
  /** When false, a left drag is left to the owner (box selection). */
  orbitOnDrag = true;
  private readonly held = new Set<string>();
  private drag: { x: number; y: number; pan: boolean; pointer: number } | null = null;
  private readonly listeners: [string, EventListener][] = [];

  /** @param onChange called whenever the pose changed (the owner schedules a frame) */
  constructor(
    private readonly element: HTMLElement,
    private readonly onChange: () => void,
  ) {
    this.listen('pointerdown', (e) => this.pointerDown(e as PointerEvent));
    this.listen('pointermove', (e) => this.pointerMove(e as PointerEvent));
    this.listen('pointerup', (e) => this.pointerUp(e as PointerEvent));
    this.listen('pointercancel', (e) => this.pointerUp(e as PointerEvent));
    this.listen('wheel', (e) => this.wheel(e as WheelEvent));
    this.listen('keydown', (e) => this.key(e as KeyboardEvent, true));
    this.listen('keyup', (e) => this.key(e as KeyboardEvent, false));
    this.listen('blur', () => this.held.clear());
    this.listen('contextmenu', (e) => e.preventDefault());
  }

  /** True while held keys keep the camera moving. */
  get moving(): boolean {
    return this.held.size > 0;
  }

  /** Advance held-key motion by `seconds`; true if the pose changed. */
  update(seconds: number): boolean {
    if (this.held.size === 0) return false;
    const dt = Math.min(seconds, 0.1);
    const speed = 0.6 * Math.max(this.pose.radius, 0.3) * dt;
    for (const code of this.held) {
      const motion = KEY_MOTION[code];
      if (!motion) continue;
      if (motion.fly) fly(this.pose, motion.fly[0] * speed, motion.fly[1] * speed, motion.fly[2] * speed);
      if (motion.orbit) orbit(this.pose, motion.orbit[0] * dt, motion.orbit[1] * dt);
      if (motion.dolly) dolly(this.pose, Math.pow(motion.dolly, dt));
    }
    return true;
  }

  /** Point the camera at `target` from the current direction, `radius` away. */
  focus(target: Vector3, radius = this.pose.radius): void {
    this.pose.target.copy(target);
    this.pose.radius = radius;
    this.onChange();
  }

  /** Place the camera. */
  apply(camera: PerspectiveCamera): void {
    poseCameraPosition(this.pose, camera.position);
    camera.up.copy(UP);
    camera.lookAt(this.pose.target);
  }

  /** Remove every listener. */
  dispose(): void {
    for (const [type, listener] of this.listeners) this.element.removeEventListener(type, listener);
    this.listeners.length = 0;
    this.held.clear();
  }

  private listen(type: string, listener: EventListener): void {
    // Wheel must be able to preventDefault (the page must not scroll while the map zooms).
    this.element.addEventListener(type, listener, type === 'wheel' ? { passive: false } : undefined);
    this.listeners.push([type, listener]);
  }

  private pointerDown(e: PointerEvent): void {
    const pan = e.button === 2 || (e.button === 0 && e.shiftKey);
    if (e.button === 0 && !pan && !this.orbitOnDrag) return;
    if (e.button !== 0 && e.button !== 2) return;
    this.drag = { x: e.clientX, y: e.clientY, pan, pointer: e.pointerId };
    this.element.setPointerCapture?.(e.pointerId);
  }

  private pointerMove(e: PointerEvent): void {
    if (!this.drag || e.pointerId !== this.drag.pointer) return;
    const dx = e.clientX - this.drag.x;
    const dy = e.clientY - this.drag.y;
    this.drag.x = e.clientX;
    this.drag.y = e.clientY;
    const height = Math.max(1, this.element.clientHeight);
    if (this.drag.pan) {
      // Pan so the point under the cursor stays under it (at the target's depth, 50° field of view).
      const perPixel = (2 * this.pose.radius * Math.tan((50 * Math.PI) / 360)) / height;
      poseForward(this.pose, scratchForward);
      scratchRight.crossVectors(scratchForward, UP).normalize();
      scratchOffset.crossVectors(scratchRight, scratchForward).normalize();
      this.pose.target.addScaledVector(scratchRight, -dx * perPixel).addScaledVector(scratchOffset, dy * perPixel);
    } else {
      orbit(this.pose, (-2 * Math.PI * dx) / height, (-Math.PI * dy) / height);
    }
    this.onChange();
  }

  private pointerUp(e: PointerEvent): void {
    if (!this.drag || e.pointerId !== this.drag.pointer) return;
    this.drag = null;
    this.element.releasePointerCapture?.(e.pointerId);
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    const lines = e.deltaMode === WheelEvent.DOM_DELTA_LINE ? e.deltaY * 40 : e.deltaY;
    dolly(this.pose, Math.pow(1.0015, lines));
    this.onChange();
  }

  private key(e: KeyboardEvent, down: boolean): void {
    if (!(e.code in KEY_MOTION) || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    if (!down) {
      this.held.delete(e.code);
    } else if (!this.held.has(e.code)) {
      this.held.add(e.code);
      this.onChange();
    }
  }
}
