/**
 * The latent map's pointer and keyboard: a hover picks the point under the mouse, a click loads
 * it, a drag in a marking mode draws the selection box, Enter loads the hovered (or centre) point
 * and F flies to the current latent. Orbiting itself is controls.ts's; what a pick, box or load
 * does to the data is the controller's.
 */
import type { MapScene } from './scene';
import { studioStore } from '../store';

/** A press moved farther than this (CSS pixels) is a drag, not a click. */
const CLICK_SLOP_PIXELS = 4;

/** What the input part acts on. */
export interface MapInputView {
  canvas: HTMLCanvasElement;
  /** The selection box's element. */
  box: HTMLElement;
  scene: MapScene;
  /** The hovered point instance (−1: none). */
  hovered(): number;
  /** The mouse is at `at` over point instance `instance` (−1: none). */
  hover(at: { x: number; y: number }, instance: number): void;
  /** The mouse left the canvas: nothing is hovered. */
  leave(): void;
  load(instance: number): void;
  selectBox(left: number, top: number, right: number, bottom: number): void;
  focusCurrent(): void;
}

/** The pointer and keyboard handling of one map view; {@link attach} returns the detacher. */
export class MapInput {
  private press: { x: number; y: number; box: boolean } | null = null;

  constructor(private readonly view: MapInputView) {}

  /** Listen on the canvas; returns what removes the listeners. */
  attach(): () => void {
    const canvas = this.view.canvas;
    const removers: (() => void)[] = [];
    const on = <K extends keyof HTMLElementEventMap>(type: K, listener: (e: HTMLElementEventMap[K]) => void) => {
      canvas.addEventListener(type, listener);
      removers.push(() => canvas.removeEventListener(type, listener));
    };
    on('pointerdown', (e) => this.pointerDown(e));
    on('pointermove', (e) => this.pointerMove(e));
    on('pointerup', (e) => this.pointerUp(e));
    on('pointerleave', () => this.view.leave());
    on('keydown', (e) => this.keyDown(e));
    return () => removers.forEach((remove) => remove());
  }

  private local(e: MouseEvent): { x: number; y: number } {
    const rect = this.view.canvas.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  }

  private pointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    const at = this.local(e);
    const box = studioStore.getState().mapSelectMode !== 'orbit' && !e.shiftKey;
    this.press = { ...at, box };
    if (box) this.view.canvas.setPointerCapture?.(e.pointerId);
  }

  private pointerMove(e: PointerEvent): void {
    const at = this.local(e);
    if (this.press?.box) {
      const style = this.view.box.style;
      this.view.box.hidden = false;
      style.left = `${Math.min(at.x, this.press.x)}px`;
      style.top = `${Math.min(at.y, this.press.y)}px`;
      style.width = `${Math.abs(at.x - this.press.x)}px`;
      style.height = `${Math.abs(at.y - this.press.y)}px`;
      return;
    }
    if (e.buttons !== 0) return;
    this.view.hover(at, this.view.scene.pick(at.x, at.y));
  }

  private pointerUp(e: PointerEvent): void {
    const press = this.press;
    this.press = null;
    if (!press || e.button !== 0) return;
    const at = this.local(e);
    const moved = Math.hypot(at.x - press.x, at.y - press.y) > CLICK_SLOP_PIXELS;
    if (press.box) {
      this.view.box.hidden = true;
      this.view.canvas.releasePointerCapture?.(e.pointerId);
      if (moved) {
        this.view.selectBox(Math.min(at.x, press.x), Math.min(at.y, press.y), Math.max(at.x, press.x), Math.max(at.y, press.y));
        return;
      }
    }
    if (moved) return;
    const instance = this.view.scene.pick(at.x, at.y);
    if (instance >= 0) this.view.load(instance);
  }

  private keyDown(e: KeyboardEvent): void {
    if (e.key === 'Enter') {
      const hovered = this.view.hovered();
      const instance = hovered >= 0 ? hovered : this.view.scene.pick(this.view.canvas.clientWidth / 2, this.view.canvas.clientHeight / 2, 24);
      if (instance >= 0) this.view.load(instance);
    } else if (e.key === 'f' || e.key === 'F') {
      this.view.focusCurrent();
    }
  }
}
