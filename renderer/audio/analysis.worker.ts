/**
 * Runs the audio analysis (app/audio/analysis.ts) off the main thread: a 3-minute track takes a
 * second or more, which would stall the preview. One worker per analysis; terminating it cancels.
 */
import { analyseAudio, type AudioFeatures } from '../../app/audio/analysis';

/** The request: mono samples, their rate and the frame rate to align to. */
export interface AnalysisRequest {
  pcm: Float32Array;
  sampleRate: number;
  fps: number;
}

/** What the worker reports: progress (0 … 1), then the features or why it failed. */
export type AnalysisReply = { type: 'progress'; fraction: number } | { type: 'done'; features: AudioFeatures } | { type: 'failed'; message: string };

const scope = self as unknown as {
  postMessage(message: AnalysisReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<AnalysisRequest>) => void) | null;
};

scope.onmessage = ({ data }) => {
  try {
    const features = analyseAudio(data.pcm, data.sampleRate, data.fps, (fraction) => scope.postMessage({ type: 'progress', fraction }));
    const { rms, low, mid, high, chroma, onset } = features;
    scope.postMessage({ type: 'done', features }, [rms.buffer, low.buffer, mid.buffer, high.buffer, chroma.buffer, onset.buffer]);
  } catch (error) {
    // The page shows the message; the worker has nothing else to do.
    scope.postMessage({ type: 'failed', message: (error as Error).message });
  }
};
