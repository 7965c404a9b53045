/**
 * The page's side of the analysis worker: the studio's track analysed at the timeline's fps, the
 * newest request winning (a new track or fps terminates the analysis still running), the result
 * put in the store. Export asks for features at its own fps through {@link analyseBuffer}.
 */
import { mixDown, type AudioFeatures } from '../../app/audio/analysis';
import { studioStore } from '../store';
import type { AnalysisReply, AnalysisRequest } from './analysis.worker';

/** Mono samples of a buffer: the channels' mean. */
export function monoOf(buffer: AudioBuffer): Float32Array {
  const channels = Array.from({ length: buffer.numberOfChannels }, (_, i) => buffer.getChannelData(i));
  // A copy: the worker takes the array's memory, and the buffer must keep playing.
  return Float32Array.from(mixDown(channels));
}

/** Analyse `buffer` at `fps` in a worker; `signal` terminates it. */
export function analyseBuffer(buffer: AudioBuffer, fps: number, onProgress: (fraction: number) => void = () => undefined, signal?: AbortSignal): Promise<AudioFeatures> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module', name: 'audio-analysis' });
    const end = () => {
      worker.terminate();
      signal?.removeEventListener('abort', abort);
    };
    const abort = () => {
      end();
      reject(new DOMException('the analysis was cancelled', 'AbortError'));
    };
    signal?.addEventListener('abort', abort);
    worker.onmessage = ({ data }: MessageEvent<AnalysisReply>) => {
      if (data.type === 'progress') return onProgress(data.fraction);
      end();
      if (data.type === 'done') resolve(data.features);
      else reject(new Error(`the audio analysis failed (${data.message})`));
    };
    worker.onerror = (event) => {
      end();
      reject(new Error(`the audio analysis worker stopped (${event.message || 'no message'})`));
    };
    const pcm = monoOf(buffer);
    const request: AnalysisRequest = { pcm, sampleRate: buffer.sampleRate, fps };
    worker.postMessage(request, [pcm.buffer]);
  });
}

let running: AbortController | null = null;

/** Analyse the studio's track at the timeline's fps and store the features; the newest call wins. */
export async function analyseStudioTrack(): Promise<void> {
  running?.abort();
  const { audioTrack, timeline } = studioStore.getState();
  if (!audioTrack) return;
  const controller = new AbortController();
  running = controller;
  const store = studioStore.getState();
  store.setAudioStatus('Analysing the track…');
  try {
    const features = await analyseBuffer(audioTrack.buffer, timeline.fps, (f) => studioStore.getState().setAudioStatus(`Analysing the track… ${Math.round(f * 100)} %`), controller.signal);
    if (studioStore.getState().audioTrack !== audioTrack) return;
    studioStore.getState().setAudioFeatures(features);
    const tempo = features.tempo ? `, ${features.tempo.toFixed(1)} BPM` : '';
    studioStore.getState().setAudioStatus(`${features.onsets.length} onsets${tempo}`);
  } catch (error) {
    // A newer track or fps took over: its own analysis reports.
    if ((error as Error).name === 'AbortError') return;
    studioStore.getState().setAudioStatus(null);
    studioStore.getState().showError(`Could not analyse "${audioTrack.name}": ${(error as Error).message}. Open the track again, or another one.`);
  } finally {
    if (running === controller) running = null;
  }
}
