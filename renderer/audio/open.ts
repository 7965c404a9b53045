/**
 * Audio in: a file the user chose (whatever Chromium's decodeAudioData reads: WAV, MP3, OGG/Opus,
 * FLAC, AAC) or a recording from an input device. A recording is captured with MediaRecorder in
 * one-second pieces; every two seconds what has arrived so far is decoded and analysed, so the
 * lanes grow while it records, and stopping keeps the whole take as the track.
 */
import { studioStore } from '../store';
import { analyseStudioTrack } from './analyse';
import { stopAudio } from './playback';

/** The longest track the studio takes (memory: a decoded hour of stereo is about 1.3 GB). */
export const MAX_TRACK_SECONDS = 20 * 60;

let decoder: AudioContext | null = null;

/** Decode encoded audio bytes with the page's audio stack. */
export async function decodeAudio(bytes: ArrayBuffer): Promise<AudioBuffer> {
  decoder ??= new AudioContext();
  return decoder.decodeAudioData(bytes);
}

function useTrack(buffer: AudioBuffer, name: string, source: 'file' | 'input'): void {
  if (buffer.duration > MAX_TRACK_SECONDS) throw new RangeError(`it lasts ${Math.round(buffer.duration / 60)} minutes, longer than the ${MAX_TRACK_SECONDS / 60} the studio takes; cut it shorter`);
  studioStore.getState().setAudioTrack({ name, buffer, source });
  void analyseStudioTrack();
}

/** Open an audio file as the studio's track and analyse it. Problems go to the error banner. */
export async function openAudioFile(file: File): Promise<void> {
  const store = studioStore.getState();
  stopAudio();
  store.setAudioStatus(`Decoding ${file.name}…`);
  try {
    useTrack(await decodeAudio(await file.arrayBuffer()), file.name, 'file');
  } catch (error) {
    store.setAudioStatus(null);
    store.showError(`Could not open "${file.name}" as audio: ${(error as Error).message || 'the browser cannot decode it'}. Choose a WAV, MP3, OGG or FLAC file.`);
  }
}

/** A recording in progress; `stop` ends it and keeps the take. */
export interface Recording {
  stop(): Promise<void>;
}

/** Whether this page can record from an input device. */
export function canRecord(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia && typeof MediaRecorder !== 'undefined';
}

/** Record from the default input device; the track and its analysis follow the take as it grows. */
export async function startRecording(): Promise<Recording> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  const recorder = new MediaRecorder(stream);
  const chunks: Blob[] = [];
  const started = performance.now();
  // Takes are decoded in the background; only the newest started one may become the track.
  let latest = 0;
  let busy = false;
  const refresh = async (final: boolean) => {
    if (chunks.length === 0) return;
    const mine = ++latest;
    const buffer = await decodeAudio(await new Blob(chunks, { type: recorder.mimeType }).arrayBuffer());
    if (mine !== latest) return;
    useTrack(buffer, 'Recording', 'input');
    if (!final) studioStore.getState().setAudioStatus(`Recording… ${((performance.now() - started) / 1000).toFixed(0)} s`);
  };
  recorder.ondataavailable = (event) => {
    if (event.data.size > 0) chunks.push(event.data);
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    refresh(false)
      .catch((error: Error) => studioStore.getState().showError(`The recording could not be decoded: ${error.message}. Stop and record again.`))
      .finally(() => (busy = false));
  }, 2000);
  recorder.start(1000);
  studioStore.getState().setAudioStatus('Recording…');
  return {
    stop: () =>
      new Promise<void>((resolve, reject) => {
        clearInterval(timer);
        recorder.onstop = () => {
          for (const track of stream.getTracks()) track.stop();
          refresh(true).then(resolve, reject);
        };
        recorder.stop();
      }),
  };
}
