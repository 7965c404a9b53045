/**
 * The learn registry: a studio control that a live input can drive announces itself when the user
 * touches it (focus or pointer down). In learn mode the last one announced becomes the binding's
 * target, and the next MIDI control or OSC address moved is bound to it (controller.ts).
 */
import { targetKey, type ControlTarget } from '../../app/control/targets';
import { studioStore } from '../store';

/** Props that make an input announce `target` (named `label` in the bindings list) in learn mode. */
export function learnProps(target: ControlTarget, label: string): { 'data-control': string; onFocus(): void; onPointerDown(): void } {
  const announce = () => studioStore.getState().setLearnTarget({ target, label });
  return { 'data-control': targetKey(target), onFocus: announce, onPointerDown: announce };
}
