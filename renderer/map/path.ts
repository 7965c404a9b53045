/**
 * The timeline's path on the latent map: the worker maps the keyframes and the interpolated path
 * to map vectors (a `map-path` job), and this part places them in the current layout and draws
 * them, again whenever the keyframes or the layout change.
 */
import { project } from '../../app/latent/pca';
import type { MapPathItem } from '../../app/jobs/map-jobs';
import type { BatchJob } from '../inference/client';
import { inference } from '../inference/studio';
import { studioStore } from '../store';
import { selectMapTimeline } from '../store/slices/map';
import { reportJobError, type Layout, type Samples } from './layout';
import type { MapScene } from './scene';

/** Points sampled along the interpolated path. */
const PATH_SAMPLES = 240;

/** What the path part reads of the map it draws on. */
export interface MapPathView {
  scene: MapScene;
  /** The map's element, whose dataset tests read (`keyframes`, `path`). */
  host: HTMLElement;
  samples(): Samples | null;
  layout(): Layout | null;
  requestRender(): void;
}

/** The timeline's keyframes and path on one map view. */
export class MapPath {
  private job: BatchJob | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private vectors: { keyframes: Float32Array | null; path: Float32Array | null; dim: number } | null = null;

  constructor(private readonly view: MapPathView) {}

  /** Stop the job and the pending placement, and forget the vectors (the model's data is dropped). */
  clear(): void {
    this.job?.cancel();
    this.job = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.vectors = null;
  }

  /** Place the path again once keyframe edits settle. */
  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    // Keyframe edits come in bursts (dragging a duration): place the path once they settle.
    this.timer = setTimeout(() => this.run(), 250);
  }

  private run(): void {
    this.timer = null;
    this.job?.cancel();
    this.job = null;
    const s = this.view.samples();
    const timeline = selectMapTimeline(studioStore.getState());
    if (!s || s.projected !== s.count || timeline.keyframes.length === 0) {
      this.vectors = null;
      this.place();
      return;
    }
    const vectors: { keyframes: Float32Array | null; path: Float32Array | null; dim: number } = { keyframes: null, path: null, dim: s.dim };
    const job = inference().runJob({ kind: 'map-path', params: { timeline, samples: PATH_SAMPLES } }, (item: MapPathItem) => {
      if (this.job !== job) return;
      vectors[item.kind === 'keyframes' ? 'keyframes' : 'path'] = item.vectors;
      this.vectors = vectors;
      this.place();
    });
    this.job = job;
    job.done.then(
      () => {
        if (this.job === job) this.job = null;
      },
      (error: Error) => {
        if (this.job !== job) return;
        this.job = null;
        reportJobError(error, `The map could not place the timeline's keyframes: ${error.message}. Check the keyframes in the timeline.`);
      },
    );
  }

  /** Draw the path at the current layout (after a relayout, or as its vectors arrive). */
  place(): void {
    const s = this.view.samples();
    const layout = this.view.layout();
    const v = this.vectors;
    const host = this.view.host;
    if (!s || !layout || !v || v.dim !== s.dim || !v.keyframes) {
      this.view.scene.setPath(null, null);
      host.dataset.keyframes = host.dataset.path = '0';
      this.view.requestRender();
      return;
    }
    const place = (vectors: Float32Array) => {
      const rows = vectors.length / s.dim;
      const out = new Float32Array(rows * 3);
      for (let r = 0; r < rows; r++) out.set(layout.place(project(s.basis!, vectors.subarray(r * s.dim, (r + 1) * s.dim))), r * 3);
      return out;
    };
    this.view.scene.setPath(place(v.keyframes), v.path ? place(v.path) : null);
    host.dataset.keyframes = String(v.keyframes.length / s.dim);
    host.dataset.path = String(v.path ? v.path.length / s.dim : 0);
    this.view.requestRender();
  }
}
