/**
 * Live control's state: the MIDI/OSC bindings and OSC port the project keeps, learn mode (which
 * control the user touched last, waiting for a knob or an address), the host's OSC status and
 * the count of inputs ignored as unusable (bad MIDI, unknown OSC addresses, wrong argument types).
 */
import { DEFAULT_OSC_PORT, MAX_LIVE_BINDINGS, type LiveBinding, type LiveSettings } from '../../../app/control/live';
import type { ControlTarget } from '../../../app/control/targets';
import type { OscStatus } from '../../../app/contract/live';
import type { Slice, StudioState } from '../types';

/** Whether two bindings listen to the same input (a new binding replaces the old one on that input). */
function sameInput(a: LiveBinding, b: LiveBinding): boolean {
  if (a.source === 'midi' && b.source === 'midi') return a.message === b.message && a.channel === b.channel && a.number === b.number;
  return a.source === 'osc' && b.source === 'osc' && a.address === b.address;
}

/** Live control (MIDI, OSC). */
export interface LiveSlice {
  live: LiveSettings;
  /** Learn mode is on: the next control touched, then the next MIDI control or OSC address, are bound. */
  learning: boolean;
  /** The control touched in learn mode, waiting for an input; null until one is touched. */
  learnTarget: { target: ControlTarget; label: string } | null;
  oscStatus: OscStatus | null;
  /** Live inputs ignored in this session (the host's malformed datagrams are in `oscStatus`). */
  liveIgnored: number;
  setLearning(learning: boolean): void;
  setLearnTarget(target: { target: ControlTarget; label: string } | null): void;
  /** Add a binding (replacing any on the same input) and leave learn mode. */
  addBinding(binding: LiveBinding): void;
  removeBinding(index: number): void;
  setOscPort(port: number): void;
  setLive(live: LiveSettings): void;
  setOscStatus(status: OscStatus): void;
  countIgnored(): void;
}

/** Live settings of a project that has none. */
export const DEFAULT_LIVE: LiveSettings = { bindings: [], oscPort: DEFAULT_OSC_PORT };

export const liveSlice: Slice<LiveSlice> = (set) => ({
  live: DEFAULT_LIVE,
  learning: false,
  learnTarget: null,
  oscStatus: null,
  liveIgnored: 0,
  setLearning: (learning) => set({ learning, learnTarget: null }),
  setLearnTarget: (learnTarget) => set((s) => (s.learning ? { learnTarget } : {})),
  addBinding: (binding) =>
    set((s) => ({
      live: { ...s.live, bindings: [...s.live.bindings.filter((b) => !sameInput(b, binding)), binding].slice(-MAX_LIVE_BINDINGS) },
      learning: false,
      learnTarget: null,
    })),
  removeBinding: (index) => set((s) => ({ live: { ...s.live, bindings: s.live.bindings.filter((_, i) => i !== index) } })),
  setOscPort: (oscPort) => set((s) => ({ live: { ...s.live, oscPort } })),
  setLive: (live) => set({ live: structuredClone(live), learning: false, learnTarget: null }),
  setOscStatus: (oscStatus) => set({ oscStatus }),
  countIgnored: () => set((s) => ({ liveIgnored: s.liveIgnored + 1 })),
});

/**
 * What the LIVE panel's target labels are made from (app/control/targets.ts controlTargets): the
 * mixing sources. A selector of its own, so that a ψ drag, which replaces the latent but keeps its
 * `mix`, does not re-render the panel.
 */
export const selectTargetMix = (s: StudioState): StudioState['latent']['mix'] => s.latent.mix;

/** A short text naming a binding's input, for the list: "MIDI ch 1 CC 7", "OSC /1/fader1". */
export function bindingInput(binding: LiveBinding): string {
  return binding.source === 'midi' ? `MIDI ch ${binding.channel + 1} ${binding.message === 'cc' ? 'CC' : 'note'} ${binding.number}` : `OSC ${binding.address}`;
}

