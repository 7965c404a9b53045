/**
 * Live control in the page: OSC deliveries from the host and MIDI messages from Web MIDI become
 * control changes on the studio's state (app/control: the bindings, the fixed OSC scheme and
 * applyControl), or bindings while learn mode waits for an input. Inputs the studio cannot use are
 * counted, never thrown. The OSC socket itself is started and stopped by {@link setOscListening}.
 */
import { controlRange, applyControl, type ControlContext, type ControlTarget } from '../../app/control/targets';
import { midiBindingMatches, midiValue, oscAction, readMidi, type LiveAction } from '../../app/control/live';
import type { OscMessage } from '../../app/control/osc';
import { getHost, onOscMessages } from '../platform/host';
import { studioStore, type StudioState } from '../store';
import { startMidi } from './midi';

/** How often the host's OSC counters are refreshed while it listens. */
const STATUS_INTERVAL_MS = 2000;

/** What applyControl needs from the studio's state, or null while no model is open. */
function controlContext(s: StudioState): ControlContext | null {
  const entry = s.models.find((m) => m.id === s.modelId);
  if (!entry) return null;
  return {
    model: entry.manifest,
    directions: s.directionsModelId === s.modelId ? s.directions : [],
    keyframes: s.timeline.keyframes.map((k) => k.state),
  };
}

function setControl(target: ControlTarget, value: number): void {
  const s = studioStore.getState();
  const ctx = controlContext(s);
  if (!ctx) return s.countIgnored();
  const latent = applyControl(s.latent, target, value, ctx);
  if (latent !== s.latent) studioStore.setState({ latent });
}

function perform(action: LiveAction): void {
  const s = studioStore.getState();
  if (action.kind === 'control') return setControl(action.target, action.value);
  if (action.kind === 'stop') return s.setPlaying(false);
  // Playback needs two keyframes, as the Play button does.
  if (s.timeline.keyframes.length < 2) return s.countIgnored();
  s.setPlaying(true);
}

/** The target waiting in learn mode, with its range under the open model; null when none waits. */
function learning(s: StudioState): { target: ControlTarget; range: { min: number; max: number } } | null {
  const ctx = controlContext(s);
  if (!s.learning || !s.learnTarget || !ctx) return null;
  const { min, max } = controlRange(s.learnTarget.target, ctx);
  return { target: s.learnTarget.target, range: { min, max } };
}

/** Act on one OSC message (exported for the MIDI-free paths: the bench drives the same code). */
export function handleOscMessage(message: OscMessage): void {
  const s = studioStore.getState();
  const learn = learning(s);
  if (learn) return s.addBinding({ source: 'osc', address: message.address, ...learn });
  const action = oscAction(message, s.live.bindings, { directions: s.directionsModelId === s.modelId ? s.directions : [] });
  if ('ignored' in action) return s.countIgnored();
  perform(action);
}

/** Act on one MIDI message's bytes. */
export function handleMidiMessage(bytes: ArrayLike<number>): void {
  const s = studioStore.getState();
  const event = readMidi(bytes);
  if (event === 'malformed') return s.countIgnored();
  if (event === 'other') return;
  const learn = learning(s);
  // A note's release is not a touch: learn binds on a control change or a note pressed.
  if (learn && (event.message === 'cc' || event.value > 0)) {
    return s.addBinding({ source: 'midi', message: event.message, channel: event.channel, number: event.number, ...learn });
  }
  for (const binding of s.live.bindings) if (midiBindingMatches(binding, event)) setControl(binding.target, midiValue(binding.range, event.value));
}

/** Start listening to MIDI inputs; a failure goes to the error banner. */
export function ensureMidi(): void {
  startMidi(handleMidiMessage).catch((error: unknown) => studioStore.getState().showError(`MIDI is not available: ${(error as Error).message}.`));
}

let stopStream: (() => void) | null = null;
let statusTimer: ReturnType<typeof setInterval> | null = null;

async function refreshStatus(): Promise<void> {
  studioStore.getState().setOscStatus(await getHost().oscStatus({}));
}

/** Ask the host to receive OSC on the project's port (or stop), and follow its messages while it does. */
export async function setOscListening(listen: boolean): Promise<void> {
  const store = studioStore.getState();
  try {
    const status = await getHost().oscListen({ port: listen ? store.live.oscPort : null });
    if (status.listening && !stopStream) {
      const stream = onOscMessages(
        (delivery) => delivery.messages.forEach(handleOscMessage),
        (problem) => studioStore.getState().showError(`OSC messages stopped arriving (${problem}); the studio is reconnecting. If it persists, restart the studio.`),
      );
      stopStream = stream.stop;
      // "Listening" is shown once a datagram sent now would reach the page.
      await stream.ready;
      statusTimer = setInterval(
        () =>
          void refreshStatus().catch((error: unknown) => {
            if (statusTimer) clearInterval(statusTimer);
            statusTimer = null;
            studioStore.getState().showError(`Could not read the OSC counters: ${(error as Error).message}. Turn OSC off and on again.`);
          }),
        STATUS_INTERVAL_MS,
      );
    }
    store.setOscStatus(status);
    if (!status.listening) {
      stopStream?.();
      stopStream = null;
      if (statusTimer) clearInterval(statusTimer);
      statusTimer = null;
    }
  } catch (error) {
    store.showError(`Could not change OSC reception: ${(error as Error).message}. Check the port number and try again.`);
  }
}

/**
 * At start: the host's OSC state (its saved port is the default for a project that has none; a socket
 * already open is followed), and MIDI once bindings use it.
 */
export function startLive(): void {
  void getHost()
    .oscStatus({})
    .then((status) => {
      const s = studioStore.getState();
      s.setOscStatus(status);
      if (s.live.bindings.length === 0) studioStore.setState({ live: { ...s.live, oscPort: status.port } });
      // The host already listens (this page was reloaded, or another studio page asked): follow it
      // here too, or the box would say "listening" while no message reaches this page.
      if (status.listening) void setOscListening(true);
    })
    .catch((error: unknown) => studioStore.getState().showError(`Could not read the OSC settings: ${(error as Error).message}. Restart the studio.`));
  studioStore.subscribe((state, previous) => {
    if (state.live.bindings !== previous.live.bindings && state.live.bindings.some((b) => b.source === 'midi')) ensureMidi();
    if (state.live.oscPort !== previous.live.oscPort && state.oscStatus?.listening) void setOscListening(true);
  });
}
