/**
 * Web MIDI for live control: asks for access once (no system exclusive), listens to every input,
 * including ones plugged in later, and hands each message's bytes on. Chromium, and Electron with
 * the `midi` permission its session grants (main/electron/security.ts), offer it.
 */

/** The part of a MIDIInput used here. */
interface MidiInputLike {
  onmidimessage: ((event: { data: Uint8Array | null }) => void) | null;
}

/** The part of MIDIAccess used here. */
interface MidiAccessLike {
  inputs: { forEach(callback: (input: MidiInputLike) => void): void };
  onstatechange: ((event: unknown) => void) | null;
}

let access: Promise<MidiAccessLike> | null = null;

/**
 * Listen to every MIDI input with `onMessage` (once per page; later calls return the same access).
 * @throws Error saying what to do when the browser has no Web MIDI or the user refused it.
 */
export function startMidi(onMessage: (bytes: Uint8Array) => void): Promise<MidiAccessLike> {
  access ??= (async () => {
    const request = (navigator as Navigator & { requestMIDIAccess?: (options: { sysex: boolean }) => Promise<MidiAccessLike> }).requestMIDIAccess;
    if (!request) throw new Error('this browser has no Web MIDI; use Chromium or the desktop app, or drive the studio over OSC');
    let midi: MidiAccessLike;
    try {
      midi = await request.call(navigator, { sysex: false });
    } catch (error) {
      access = null;
      throw new Error(`MIDI access was refused (${(error as Error).message}); allow MIDI for this page and press Learn again`);
    }
    const attach = () =>
      midi.inputs.forEach((input) => {
        input.onmidimessage = (event) => {
          if (event.data) onMessage(event.data);
        };
      });
    attach();
    midi.onstatechange = attach;
    return midi;
  })();
  return access;
}
