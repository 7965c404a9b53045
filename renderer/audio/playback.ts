/**
 * Playback of the studio's track with an AudioContext. The audio clock is the master: the preview
 * asks {@link audioTime} which moment the listener hears now and shows that frame, so picture and
 * sound stay together even when frames render late (frames are skipped, the sound never waits).
 */

let context: AudioContext | null = null;
let node: AudioBufferSourceNode | null = null;
/** context.currentTime at which the track's time 0 was (or would have been) played. */
let origin = 0;

/** Start playing `buffer` from `offset` seconds; `onEnded` is called when it plays out (not when stopped). */
export async function playAudio(buffer: AudioBuffer, offset = 0, onEnded: () => void = () => undefined): Promise<void> {
  stopAudio();
  context ??= new AudioContext({ latencyHint: 'interactive' });
  // A context made before any click starts suspended; the Play click lets it resume.
  if (context.state === 'suspended') await context.resume();
  const source = context.createBufferSource();
  source.buffer = buffer;
  source.connect(context.destination);
  source.onended = () => {
    if (node !== source) return;
    node = null;
    onEnded();
  };
  const at = context.currentTime + 0.05;
  source.start(at, Math.max(0, offset));
  origin = at - Math.max(0, offset);
  node = source;
}

/** Stop playback (nothing happens when nothing plays). */
export function stopAudio(): void {
  const playing = node;
  node = null;
  playing?.stop();
  playing?.disconnect();
}

/** Seconds into the track the listener hears now (the output latency taken off), or null when nothing plays. */
export function audioTime(): number | null {
  if (!node || !context) return null;
  return Math.max(0, context.currentTime - (context.outputLatency || 0) - origin);
}
