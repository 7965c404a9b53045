/**
 * Runs one UMAP layout of the map's points off the main thread and off the inference worker (its
 * neighbour search is one long piece that would stall the preview). The map starts a worker per
 * layout and terminates it to cancel.
 */
import { UmapRun } from '../../app/latent/map-projection';

/** The request: point coordinates (rows × dim) and the run's seed. */
export interface UmapRequest {
  coords: Float32Array;
  dim: number;
  seed: number;
}

/** What the worker reports: progress in epochs (0 of total while neighbours are searched), then the layout. */
export type UmapReply =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; embedding: Float32Array }
  | { type: 'failed'; message: string };

const scope = self as unknown as {
  postMessage(message: UmapReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<UmapRequest>) => void) | null;
};

/** Epochs between progress reports. */
const EPOCHS_PER_REPORT = 10;

scope.onmessage = ({ data }) => {
  try {
    const run = new UmapRun(data.coords, data.dim, { seed: data.seed });
    scope.postMessage({ type: 'progress', done: 0, total: 1 });
    const total = run.initialize();
    let done = 0;
    while (done < total) {
      done = run.step(EPOCHS_PER_REPORT);
      scope.postMessage({ type: 'progress', done, total });
    }
    const embedding = run.embedding();
    scope.postMessage({ type: 'done', embedding }, [embedding.buffer]);
  } catch (error) {
    scope.postMessage({ type: 'failed', message: (error as Error).message });
  }
};
