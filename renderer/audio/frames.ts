/**
 * The audio-driven state of each frame, from the studio's state: its latent as the base, its
 * mappings, the open model's controls and the keyframes. The preview and the video export both
 * ask here, so they show the same state for the same frame (app/control/mappings.ts is pure).
 */
import type { AudioFeatures } from '../../app/audio/analysis';
import { stateAtFrame } from '../../app/control/mappings';
import type { ControlContext } from '../../app/control/targets';
import type { LatentState } from '../../app/state/latent-state';
import type { StudioState } from '../store';
import { registerTestHook } from '../test-hooks';

/** The controls' context of the studio's open model, or null while none is open. */
export function controlContext(s: StudioState): ControlContext | null {
  const entry = s.models.find((m) => m.id === s.modelId);
  if (!entry) return null;
  return { model: entry.manifest, directions: s.directionsModelId === entry.id ? s.directions : [], keyframes: s.timeline.keyframes.map((k) => k.state) };
}

/** The state frame `frame` of `features` shows under the studio's mappings (the latent itself without a model). */
export function audioFrameState(s: StudioState, features: AudioFeatures, frame: number): LatentState {
  const ctx = controlContext(s);
  return ctx ? stateAtFrame(s.latent, features, s.audioMappings, frame, ctx) : s.latent;
}

/** Let end-to-end tests read every frame's state (ψ, seed…) the way the preview and export compute it. */
export function registerAudioTestHooks(store: { getState(): StudioState }): void {
  registerTestHook('audioFrameStates', () => {
    const s = store.getState();
    const features = s.audioFeatures;
    if (!features) return [];
    return Array.from({ length: features.frameCount }, (_, i) => audioFrameState(s, features, i));
  });
}
