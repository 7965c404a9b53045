/**
 * The latent map's controller: owns one map view's data and GPU objects for as long as the view is
 * open. It samples the open model (a background job of the inference worker), lays the points out
 * (PCA here, UMAP in its own worker), colours them, draws them with MapScene and follows the
 * current latent from the preview's frames; it coordinates the parts that own the rest: the
 * timeline's path (path.ts), the thumbnails near the camera (thumbnails.ts), the direction axes
 * (axes.ts) and the pointer and keyboard (input.ts), whose hovers, clicks and box drags it turns
 * into previews, loads and examples.
 */
import { Vector3 } from 'three';
import type { Manifest } from '../../app/model/manifest';
import { project } from '../../app/latent/pca';
import { fitFrame, localPca, nearestRows, placeByNeighbours, projectRows } from '../../app/latent/map-projection';
import type { MapSampleItem } from '../../app/jobs/map-jobs';
import type { BatchJob } from '../inference/client';
import { inference, onFrame } from '../inference/studio';
import { studioStore, type StudioState } from '../store';
import { selectMapDirections, selectMapTimeline, type MapExample } from '../store/slices/map';
import { classColour, positionColours, scoreColours } from './colours';
import { MapControls } from './controls';
import { MapScene, MARK } from './scene';
import type { UmapReply, UmapRequest } from './umap.worker';
import { gather, layoutOf, reportJobError, type Layout, type Samples } from './layout';
import { MapAxes } from './axes';
import { MapInput } from './input';
import { MapPath } from './path';
import { MapThumbnails } from './thumbnails';

/** What the view shows for the point under the mouse. */
export interface MapHover {
  seed: number;
  classIndex: number;
  className: string | null;
  /** CSS pixels in the canvas. */
  x: number;
  y: number;
  /** The point's thumbnail, once made. */
  image: ImageData | null;
}

/** Elements the controller draws into besides the canvas. */
export interface MapElements {
  canvas: HTMLCanvasElement;
  /** Carries the map's state as data-* attributes (what tests and tools read). */
  host: HTMLElement;
  /** Holds the direction labels (positioned by the controller). */
  labels: HTMLElement;
  /** The selection rectangle (shown while box-selecting). */
  box: HTMLElement;
}

/** Points re-centred projections keep around the current latent. */
const LOCAL_MIN = 200;
const LOCAL_FRACTION = 0.1;
/** Thumbnails: the atlas's memory budget and the largest thumbnail size. */
const ATLAS_BYTES = 16 << 20;
const MAX_THUMBNAIL_SIZE = 128;

const exampleKey = (seed: number, classIndex: number) => `${seed}:${classIndex}`;

/** See the module comment. */
export class MapController {
  private readonly scene: MapScene;
  /** The timeline's path on the map (path.ts). */
  private readonly path: MapPath;
  /** The edit directions drawn as axes (axes.ts). */
  private readonly axes: MapAxes;
  /** The pictures of the points near the camera (thumbnails.ts). */
  private readonly thumbnails: MapThumbnails;
  private readonly controls: MapControls;
  private readonly cleanups: (() => void)[] = [];
  private samples: Samples | null = null;
  private layout: Layout | null = null;
  private sampleJob: BatchJob | null = null;
  private umapWorker: Worker | null = null;
  /** The current latent's map vector (from the last preview frame). */
  private current: Float32Array | null = null;
  private hovered = -1;
  private hoverAt = { x: 0, y: 0 };
  private frameId = 0;
  private lastTick = 0;
  private continuous = false;
  private stats = { renders: 0, renderMs: 0, intervals: 0, intervalMs: 0, written: 0 };
  private disposed = false;

  constructor(
    private readonly elements: MapElements,
    private readonly onHover: (hover: MapHover | null) => void,
  ) {
    this.scene = new MapScene(elements.canvas);
    this.thumbnails = new MapThumbnails({
      scene: this.scene,
      samples: () => this.samples,
      layout: () => this.layout,
      thumbnailArrived: (point) => {
        if (this.hovered >= 0 && this.layout?.points[this.hovered] === point) this.reportHover();
        this.writeDataset();
        this.requestRender();
      },
    });
    this.axes = new MapAxes({
      scene: this.scene,
      host: elements.host,
      labels: elements.labels,
      samples: () => this.samples,
      layout: () => this.layout,
      current: () => this.current,
      currentPosition: () => this.currentPosition(),
    });
    this.path = new MapPath({ scene: this.scene, host: elements.host, samples: () => this.samples, layout: () => this.layout, requestRender: () => this.requestRender() });
    this.controls = new MapControls(elements.canvas, () => this.requestRender());
    this.controls.orbitOnDrag = studioStore.getState().mapSelectMode === 'orbit';

    const resize = new ResizeObserver(() => {
      this.scene.resize(elements.canvas.clientWidth, elements.canvas.clientHeight);
      this.requestRender();
    });
    resize.observe(elements.canvas);
    this.cleanups.push(() => resize.disconnect());
    this.scene.resize(elements.canvas.clientWidth, elements.canvas.clientHeight);

    const input = new MapInput({
      canvas: elements.canvas,
      box: elements.box,
      scene: this.scene,
      hovered: () => this.hovered,
      hover: (at, instance) => {
        this.hoverAt = at;
        this.setHovered(instance);
      },
      leave: () => this.setHovered(-1),
      load: (instance) => this.load(instance),
      selectBox: (left, top, right, bottom) => this.selectBox(left, top, right, bottom),
      focusCurrent: () => this.focusCurrent(),
    });
    this.cleanups.push(input.attach());

    this.cleanups.push(studioStore.subscribe((state, previous) => this.storeChanged(state, previous)));
    this.cleanups.push(onFrame((frame) => this.frame(frame.vector)));
    const state = studioStore.getState();
    if (state.modelStatus === 'ready') this.sample();
    this.requestRender();
  }

  /** Stop the jobs and free every GPU object (the view closes). */
  dispose(): void {
    this.disposed = true;
    this.dropData();
    cancelAnimationFrame(this.frameId);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.controls.dispose();
    this.scene.dispose();
  }

  /** Stop the work in progress: a UMAP layout falls back to PCA; a cancelled sampling leaves the map empty. */
  cancel(): void {
    if (this.umapWorker) {
      this.stopUmap();
      studioStore.getState().setMapProjection('pca');
      return;
    }
    this.sampleJob?.cancel();
    this.sampleJob = null;
    studioStore.getState().setMapStatus({ phase: 'idle' });
  }

  /** Sample the open model again (after a cancel). */
  resample(): void {
    if (studioStore.getState().modelStatus === 'ready') this.sample();
  }

  /** Fly to the current latent. */
  focusCurrent(): void {
    const at = this.currentPosition();
    if (at) this.controls.focus(new Vector3(...at), Math.min(this.controls.pose.radius, 1.5));
  }

  // ── data ──────────────────────────────────────────────────────────────────────────────────

  private storeChanged(s: StudioState, prev: StudioState): void {
    if (s.modelId !== prev.modelId || (s.modelStatus !== prev.modelStatus && s.modelStatus !== 'ready')) this.dropData();
    // Seeds stay the same points when the same model is reloaded (another backend); not across models.
    if (s.modelId !== prev.modelId) s.clearMapSelection();
    if (s.modelStatus === 'ready' && (prev.modelStatus !== 'ready' || s.mapCount !== prev.mapCount)) this.sample();
    if (s.mapProjection !== prev.mapProjection || s.mapLocal !== prev.mapLocal || s.mapCentre !== prev.mapCentre) this.relayout();
    if (s.mapColouring !== prev.mapColouring) this.recolour();
    if (s.mapSelection !== prev.mapSelection) this.remark();
    if (s.mapSelectMode !== prev.mapSelectMode) this.controls.orbitOnDrag = s.mapSelectMode === 'orbit';
    if (selectMapTimeline(s) !== selectMapTimeline(prev)) this.path.schedule();
    if (s.latent.edits !== prev.latent.edits || s.directions !== prev.directions) {
      this.axes.update();
      if (s.mapColouring.by === 'direction') this.recolour();
    }
  }

  /** Forget the model's data: cancel its jobs and dispose its GPU objects. */
  private dropData(): void {
    this.sampleJob?.cancel();
    this.sampleJob = null;
    this.thumbnails.clear();
    this.path.clear();
    this.stopUmap();
    this.samples = null;
    this.layout = null;
    this.setHovered(-1);
    this.scene.clearData();
    this.elements.labels.replaceChildren();
    studioStore.getState().setMapStatus({ phase: 'idle' });
    this.writeDataset();
    this.requestRender();
  }

  private sample(): void {
    const state = studioStore.getState();
    const entry = state.models.find((m) => m.id === state.modelId);
    if (!entry) return;
    this.dropData();
    const manifest = entry.manifest;
    const count = state.mapCount;
    state.setMapStatus({ phase: 'sampling', done: 0, total: count });
    const job = inference().runJob({ kind: 'map-sample', params: { count, firstSeed: 0 } }, (item) => {
      if (this.sampleJob === job) this.sampleItem(manifest, count, item);
    });
    this.sampleJob = job;
    job.done.then(
      () => {
        if (this.sampleJob === job) this.sampleJob = null;
      },
      (error: Error) => {
        if (this.sampleJob !== job) return;
        this.sampleJob = null;
        studioStore.getState().setMapStatus({ phase: 'idle' });
        reportJobError(error, `The latent map could not sample "${entry.name}": ${error.message}. Try fewer points, or resample the map.`);
      },
    );
  }

  private sampleItem(manifest: Manifest, count: number, item: MapSampleItem): void {
    const setStatus = studioStore.getState().setMapStatus;
    switch (item.phase) {
      case 'samples': {
        this.samples ??= {
          manifest,
          count,
          dim: item.dim,
          seeds: new Uint32Array(count),
          classes: new Int32Array(count),
          vectors: new Float32Array(count * item.dim),
          basis: null,
          k: 0,
          coords: new Float32Array(0),
          projected: 0,
        };
        const s = this.samples;
        s.seeds.set(item.seeds, item.offset);
        s.classes.set(item.classes, item.offset);
        s.vectors.set(item.vectors, item.offset * s.dim);
        setStatus({ phase: 'sampling', done: item.offset + item.seeds.length, total: count });
        break;
      }
      case 'basis': {
        const s = this.samples!;
        s.basis = item.basis;
        s.k = item.basis.components.length / item.basis.dim;
        s.coords = new Float32Array(count * s.k);
        setStatus({ phase: 'projecting', done: 0, total: count });
        break;
      }
      case 'coords': {
        const s = this.samples!;
        s.coords.set(item.coords, item.offset * s.k);
        s.projected += item.coords.length / s.k;
        setStatus({ phase: 'projecting', done: s.projected, total: count });
        if (s.projected === count) {
          const size = Math.min(manifest.resolution, MAX_THUMBNAIL_SIZE);
          this.scene.createAtlas(size, Math.max(64, Math.min(1024, Math.floor(ATLAS_BYTES / (size * size * 4)))));
          this.controls.pose.target.set(0, 0, 0);
          this.controls.pose.radius = 6;
          this.relayout();
          this.path.schedule();
        }
        break;
      }
    }
  }

  /** The current latent's PCA coordinates, or the samples' mean before the first frame. */
  private currentCoords(): Float64Array {
    const s = this.samples!;
    if (this.current && this.current.length === s.dim) return project(s.basis!, this.current);
    return new Float64Array(s.k);
  }

  private relayout(): void {
    const s = this.samples;
    if (!s || s.projected !== s.count) return;
    this.stopUmap();
    const { mapProjection, mapLocal } = studioStore.getState();
    const centre = this.currentCoords();
    const points = mapLocal ? nearestRows(s.coords, s.k, centre, Math.max(LOCAL_MIN, Math.round(s.count * LOCAL_FRACTION))) : Uint32Array.from({ length: s.count }, (_, i) => i);
    const coords = mapLocal ? gather(s.coords, s.k, points) : s.coords;

    if (mapProjection === 'umap') {
      this.runUmap(points, coords);
      return;
    }
    let raw: Float32Array;
    let place: (c: ArrayLike<number>) => [number, number, number];
    if (mapLocal) {
      const basis = localPca(s.coords, s.k, points, centre, 3);
      raw = projectRows(basis, coords, points.length);
      place = (c) => {
        const p = project(basis, c);
        return [p[0]!, p[1]!, p[2]!];
      };
    } else {
      // The first three of the kept coordinates are the global PCA's three main axes.
      raw = gather(s.coords, s.k, points).filter((_, i) => i % s.k < 3);
      place = (c) => [c[0]!, c[1]!, c[2]!];
    }
    const frame = fitFrame(raw);
    // Re-centred: the current latent stays at the origin, where the camera looks.
    if (mapLocal) frame.centre = [0, 0, 0];
    this.applyLayout(layoutOf(points, s.count, raw, frame, place));
    studioStore.getState().setMapStatus({ phase: 'ready' });
  }

  private runUmap(points: Uint32Array, coords: Float32Array): void {
    const s = this.samples!;
    const worker = new Worker(new URL('./umap.worker.ts', import.meta.url), { type: 'module', name: 'map-umap' });
    this.umapWorker = worker;
    const setStatus = studioStore.getState().setMapStatus;
    setStatus({ phase: 'umap', done: 0, total: 1 });
    worker.onmessage = ({ data }: MessageEvent<UmapReply>) => {
      if (this.umapWorker !== worker) return;
      if (data.type === 'progress') {
        setStatus({ phase: 'umap', done: data.done, total: data.total });
        return;
      }
      this.stopUmap();
      if (data.type === 'failed') {
        setStatus({ phase: 'ready' });
        studioStore.getState().showError(`The UMAP layout failed: ${data.message}. The map shows PCA instead; try UMAP again with more points.`);
        studioStore.getState().setMapProjection('pca');
        return;
      }
      const embedding = data.embedding;
      const frame = fitFrame(embedding);
      this.applyLayout(layoutOf(points, s.count, embedding, frame, (c) => placeByNeighbours(coords, s.k, embedding, c)));
      setStatus({ phase: 'ready' });
    };
    worker.onerror = (event) => {
      if (this.umapWorker !== worker) return;
      this.stopUmap();
      setStatus({ phase: 'ready' });
      studioStore.getState().showError(`The UMAP worker stopped: ${event.message || 'unknown error'}. The map shows PCA instead.`);
      studioStore.getState().setMapProjection('pca');
    };
    const request: UmapRequest = { coords: coords.slice(), dim: s.k, seed: 0 };
    worker.postMessage(request, [request.coords.buffer]);
  }

  private stopUmap(): void {
    this.umapWorker?.terminate();
    this.umapWorker = null;
  }

  private applyLayout(layout: Layout): void {
    const atlas = this.scene.atlas!;
    this.layout = layout;
    const slots = Float32Array.from(layout.points, (p) => atlas.peek(p) ?? -1);
    this.setHovered(-1);
    this.scene.setPoints(layout.positions, this.colours(), slots);
    this.remark();
    this.updateCurrent();
    this.path.place();
    this.writeDataset();
    this.requestRender();
  }

  private colours(): Float32Array {
    const layout = this.layout!;
    const s = this.samples!;
    const { mapColouring } = studioStore.getState();
    if (mapColouring.by === 'class' && s.manifest.c_dim > 0) {
      const out = new Float32Array(layout.points.length * 3);
      layout.points.forEach((p, i) => out.set(classColour(s.classes[p]!), i * 3));
      return out;
    }
    if (mapColouring.by === 'direction') {
      const direction = selectMapDirections(studioStore.getState()).find((d) => d.id === mapColouring.id);
      if (direction && direction.vector.length === s.dim) {
        const scores = new Float64Array(layout.points.length);
        layout.points.forEach((p, i) => {
          let dot = 0;
          for (let j = 0; j < s.dim; j++) dot += s.vectors[p * s.dim + j]! * direction.vector[j]!;
          scores[i] = dot;
        });
        return scoreColours(scores);
      }
    }
    return positionColours(layout.positions);
  }

  private recolour(): void {
    if (!this.layout) return;
    this.scene.setColors(this.colours());
    this.requestRender();
  }

  private remark(): void {
    const layout = this.layout;
    const s = this.samples;
    if (!layout || !s) return;
    const { positive, negative } = studioStore.getState().mapSelection;
    const marked = new Map<string, number>();
    for (const e of positive) marked.set(exampleKey(e.seed, e.classIndex), MARK.positive);
    for (const e of negative) marked.set(exampleKey(e.seed, e.classIndex), MARK.negative);
    const marks = Float32Array.from(layout.points, (p) => marked.get(exampleKey(s.seeds[p]!, s.classes[p]!)) ?? MARK.none);
    if (this.hovered >= 0) marks[this.hovered] = MARK.hovered;
    this.scene.setMarks(marks);
    this.requestRender();
  }

  // ── live context: current latent, timeline, directions ───────────────────────────────────

  private frame(vector: Float32Array): void {
    this.current = vector;
    this.updateCurrent();
  }

  private currentPosition(): [number, number, number] | null {
    const s = this.samples;
    if (!this.layout || !s || !this.current || this.current.length !== s.dim) return null;
    return this.layout.place(project(s.basis!, this.current));
  }

  private updateCurrent(): void {
    const at = this.currentPosition();
    this.scene.setCurrent(at);
    this.elements.host.dataset.current = at ? at.map((v) => v.toFixed(4)).join(',') : '';
    this.axes.update();
    this.requestRender();
  }

  // ── input ─────────────────────────────────────────────────────────────────────────────────

  private selectBox(left: number, top: number, right: number, bottom: number): void {
    const layout = this.layout;
    const s = this.samples;
    const mode = studioStore.getState().mapSelectMode;
    if (!layout || !s || mode === 'orbit') return;
    const examples: MapExample[] = this.scene.pointsInRect(left, top, right, bottom).map((instance) => {
      const p = layout.points[instance]!;
      return { seed: s.seeds[p]!, classIndex: s.classes[p]!, vector: Array.from(s.vectors.subarray(p * s.dim, (p + 1) * s.dim)) };
    });
    if (examples.length > 0) studioStore.getState().addMapExamples(mode, examples);
  }

  /** Load point instance `instance` into the studio: its seed (and class, for conditional models). */
  private load(instance: number): void {
    const s = this.samples!;
    const point = this.layout!.points[instance]!;
    const seed = s.seeds[point]!;
    const classIndex = s.classes[point]!;
    const state = studioStore.getState();
    if (classIndex >= 0) state.setLatent({ ...state.latent, seed, classes: [{ index: classIndex, weight: 1 }] });
    else state.setSeed(seed);
  }

  private setHovered(instance: number): void {
    if (instance === this.hovered) return;
    this.hovered = instance;
    this.remark();
    this.reportHover();
    if (instance >= 0 && this.layout) {
      this.thumbnails.want(this.layout.points[instance]!);
    }
  }

  private reportHover(): void {
    const s = this.samples;
    const host = this.elements.host;
    if (this.hovered < 0 || !s || !this.layout) {
      delete host.dataset.hoverSeed;
      delete host.dataset.hoverPosition;
      this.onHover(null);
      return;
    }
    const point = this.layout.points[this.hovered]!;
    const classIndex = s.classes[point]!;
    const position = this.scene.pointPosition(this.hovered);
    host.dataset.hoverSeed = String(s.seeds[point]);
    host.dataset.hoverPosition = [position.x, position.y, position.z].map((v) => v.toFixed(4)).join(',');
    this.onHover({
      seed: s.seeds[point]!,
      classIndex,
      className: classIndex >= 0 ? (s.manifest.class_names[classIndex] ?? null) : null,
      ...this.hoverAt,
      image: this.scene.atlas?.pixels(point) ?? null,
    });
  }

  // ── frames ────────────────────────────────────────────────────────────────────────────────

  private requestRender(): void {
    if (this.frameId !== 0 || this.disposed) return;
    this.frameId = requestAnimationFrame((t) => this.tick(t));
  }

  private tick(time: number): void {
    this.frameId = 0;
    const seconds = this.lastTick ? (time - this.lastTick) / 1000 : 0;
    if (this.continuous && this.lastTick) {
      this.stats.intervals += 1;
      this.stats.intervalMs += time - this.lastTick;
    }
    this.lastTick = time;
    const moving = this.controls.update(seconds);
    this.controls.apply(this.scene.camera);
    this.stats.renders += 1;
    this.stats.renderMs += this.scene.render();
    this.axes.placeLabels();
    this.thumbnails.schedule();
    if (time - this.stats.written > 500) this.writeDataset(time);
    this.continuous = moving;
    if (moving) this.requestRender();
    else this.lastTick = 0;
  }

  /** Publish the map's state on the host element (tests, tools, frame-time measurements). */
  private writeDataset(time = performance.now()): void {
    const d = this.elements.host.dataset;
    const gpu = this.scene.gpuCounts();
    d.points = String(this.scene.pointCount);
    const { target, radius } = this.controls.pose;
    d.camera = [target.x, target.y, target.z, radius].map((v) => v.toFixed(3)).join(',');
    d.thumbnails = String(this.scene.atlas?.count ?? 0);
    d.glGeometries = String(gpu.geometries);
    d.glTextures = String(gpu.textures);
    d.glPrograms = String(gpu.programs);
    if (this.stats.renders > 0) d.renderMs = (this.stats.renderMs / this.stats.renders).toFixed(2);
    if (this.stats.intervals > 0) d.frameMs = (this.stats.intervalMs / this.stats.intervals).toFixed(2);
    this.stats = { renders: 0, renderMs: 0, intervals: 0, intervalMs: 0, written: time };
  }
}
