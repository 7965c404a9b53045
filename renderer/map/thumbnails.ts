/**
 * Thumbnails on the latent map: the points near the camera get a picture, rendered by the worker
 * in small batches (`map-thumbnails` jobs) into the scene's atlas, whose LRU evicts what the user
 * left behind; the point under the mouse goes first.
 */
import type { BatchJob } from '../inference/client';
import { inference } from '../inference/studio';
import { reportJobError, type Layout, type Samples } from './layout';
import { THUMB_DISTANCE, type MapScene } from './scene';

/** Thumbnails drawn at most (the nearest points win). */
const VISIBLE_THUMBNAILS = 160;
/** Thumbnails one job renders: small enough that a preview frame never waits long behind it. */
const THUMBNAILS_PER_JOB = 24;

/** What the thumbnails part reads of the map it draws on. */
export interface MapThumbnailsView {
  scene: MapScene;
  samples(): Samples | null;
  layout(): Layout | null;
  /** A thumbnail of `point` is now in the atlas (the hover card may show it). */
  thumbnailArrived(point: number): void;
}

/** The thumbnails of one map view. */
export class MapThumbnails {
  private job: BatchJob | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** A point to render before the others (the hovered one), or −1. */
  private wantedFirst = -1;

  constructor(private readonly view: MapThumbnailsView) {}

  /** Render `point`'s thumbnail first, if the atlas lacks it. */
  want(point: number): void {
    if (this.view.scene.atlas?.use(point) !== undefined) return;
    this.wantedFirst = point;
    this.update();
  }

  /** Stop the job and the pending check (the model's data is dropped). */
  clear(): void {
    this.job?.cancel();
    this.job = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Check which thumbnails the view needs at most every 150 ms, and once after the camera stops. */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.update();
    }, 150);
  }

  /** Ask for the thumbnails the view lacks (the wanted point first), one job at a time. */
  update(): void {
    const layout = this.view.layout();
    const s = this.view.samples();
    const atlas = this.view.scene.atlas;
    if (!layout || !s || !atlas || this.job) return;
    const wanted: number[] = [];
    if (this.wantedFirst >= 0 && atlas.use(this.wantedFirst) === undefined) wanted.push(this.wantedFirst);
    this.wantedFirst = -1;
    for (const instance of this.view.scene.nearCamera(THUMB_DISTANCE, VISIBLE_THUMBNAILS)) {
      const point = layout.points[instance]!;
      // Touch the ones on screen, so the LRU evicts what the user left behind.
      if (atlas.use(point) === undefined && wanted.length < THUMBNAILS_PER_JOB && !wanted.includes(point)) wanted.push(point);
    }
    if (wanted.length === 0) return;
    const job = inference().runJob(
      { kind: 'map-thumbnails', params: { points: wanted.map((p) => ({ seed: s.seeds[p]!, classIndex: s.classes[p]! })), size: atlas.size } },
      ({ index, image }) => {
        if (this.job !== job || this.view.samples() !== s) return;
        const point = wanted[index]!;
        const { slot, evicted } = atlas.put(point, image);
        const now = this.view.layout()!;
        const instance = now.instanceOf[point]!;
        if (instance >= 0) this.view.scene.setSlot(instance, slot);
        if (evicted !== null && now.instanceOf[evicted]! >= 0) this.view.scene.setSlot(now.instanceOf[evicted]!, -1);
        this.view.thumbnailArrived(point);
      },
    );
    this.job = job;
    job.done.then(
      () => {
        if (this.job !== job) return;
        this.job = null;
        this.update();
      },
      (error: Error) => {
        if (this.job !== job) return;
        this.job = null;
        reportJobError(error, `The map could not render thumbnails: ${error.message}. Move the camera to try again.`);
      },
    );
  }
}
