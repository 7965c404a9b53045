/**
 * The map's three.js scene, in layers drawn in order without a depth buffer: every point as a dot
 * (one GL point sprite each: one draw call for 20,000 points); over them, the thumbnails of the
 * points near the camera, sorted far to near; then the timeline's path and keyframes, the
 * direction axes and the ring of the current latent. Objects are made once and mutated; whatever
 * depends on a model's data is disposed by `clearData`, everything by `dispose`.
 */
import {
  BufferAttribute,
  BufferGeometry,
  CircleGeometry,
  Color,
  Float32BufferAttribute,
  GLSL3,
  Group,
  Line,
  LineBasicMaterial,
  LineSegments,
  Matrix4,
  Mesh,
  MeshBasicMaterial,
  type Object3D,
  PerspectiveCamera,
  Points,
  PointsMaterial,
  RingGeometry,
  Scene,
  ShaderMaterial,
  Vector3,
  WebGLRenderer,
} from 'three';
import { ThumbnailAtlas } from './atlas';
import { DOT_FRAGMENT, DOT_VERTEX, THUMB_FRAGMENT, THUMB_VERTEX } from './shaders';

/** Raised when the browser cannot give the map a WebGL 2 context. */
export class MapUnavailableError extends Error {
  override readonly name = 'MapUnavailableError';
}

/** Selection marks of a point. */
export const MARK = { none: 0, positive: 1, negative: 2, hovered: 3 } as const;

/** Sizes in world units (the cloud's widest axis has a standard deviation of 1). */
const DOT_SIZE = 0.035;
const THUMB_SIZE = 0.11;
/** Thumbnails show for points nearer the camera than this. */
export const THUMB_DISTANCE = 1.5;
/** On-screen size limits of a point, CSS pixels: far points stay visible, near thumbnails stay sane. */
const MIN_POINT_PIXELS = 2.5;
const MAX_POINT_PIXELS = 256;
const FOV = 50;

/** The most thumbnails drawn at once (the nearest win). */
const THUMB_LAYER = 256;

const scratch = new Vector3();

/** Counts of live GPU objects (three.js's own bookkeeping). */
export interface GpuCounts {
  geometries: number;
  textures: number;
  programs: number;
}

interface PointsData {
  dots: Points<BufferGeometry, ShaderMaterial>;
  offsets: Float32Array;
  colors: BufferAttribute;
  marks: BufferAttribute;
  /** Atlas slot per point (−1: none); CPU only, the thumbnail layer copies what it draws. */
  slots: Float32Array;
  /** Points holding a slot. */
  slotted: Set<number>;
  thumbs: Points<BufferGeometry, ShaderMaterial>;
  /** The camera and slots the thumbnail layer was last sorted for. */
  thumbsFor: Matrix4;
  thumbsDirty: boolean;
}

function pointMaterial(vertexShader: string, fragmentShader: string, size: number, extra: Record<string, { value: unknown }> = {}): ShaderMaterial {
  return new ShaderMaterial({
    glslVersion: GLSL3,
    vertexShader,
    fragmentShader,
    depthTest: false,
    depthWrite: false,
    uniforms: { uSize: { value: size }, uMinPixels: { value: MIN_POINT_PIXELS }, uMaxPixels: { value: MAX_POINT_PIXELS }, uPixelsPerUnit: { value: 1 }, ...extra },
  });
}

/** See the module comment. */
export class MapScene {
  readonly renderer: WebGLRenderer;
  readonly camera = new PerspectiveCamera(FOV, 1, 0.005, 500);
  private readonly scene = new Scene();
  private readonly marker: Group;
  private points: PointsData | null = null;
  private thumbnails: ThumbnailAtlas | null = null;
  private path: { line: Line; keys: Points } | null = null;
  private axes: LineSegments | null = null;
  private width = 1;
  private height = 1;
  /** The GPU's largest point sprite, drawing-buffer pixels. */
  private readonly maxPointSize: number;

  /** @throws MapUnavailableError when WebGL 2 is missing */
  constructor(canvas: HTMLCanvasElement) {
    // Ask first, so a missing WebGL is a message for the user rather than three.js's console error.
    // No multisampling: points are drawn as discs by the shader, and MSAA halves SwiftShader's frame rate.
    const context = canvas.getContext('webgl2', { antialias: false, alpha: false, depth: false, powerPreference: 'high-performance' });
    if (!context) throw new MapUnavailableError('this browser or GPU offers no WebGL 2');
    this.renderer = new WebGLRenderer({ canvas, context });
    this.maxPointSize = (context.getParameter(context.ALIASED_POINT_SIZE_RANGE) as Float32Array)[1]!;
    this.renderer.setClearColor(new Color(0x0d0e10), 1);
    this.marker = new Group();
    const ring = new Mesh(new RingGeometry(0.75, 1, 32), new MeshBasicMaterial({ color: 0xffffff, depthTest: false }));
    const dot = new Mesh(new CircleGeometry(0.28, 16), new MeshBasicMaterial({ color: 0xffd166, depthTest: false }));
    ring.renderOrder = dot.renderOrder = 10;
    this.marker.add(ring, dot);
    this.marker.visible = false;
    this.scene.add(this.marker);
  }

  /** Match the drawing buffer to the element's size in CSS pixels. */
  resize(width: number, height: number): void {
    this.width = Math.max(1, Math.floor(width));
    this.height = Math.max(1, Math.floor(height));
    this.renderer.setPixelRatio(Math.min(2, globalThis.devicePixelRatio || 1));
    this.renderer.setSize(this.width, this.height, false);
    this.camera.aspect = this.width / this.height;
    this.camera.updateProjectionMatrix();
  }

  /** A new, empty thumbnail atlas of `size`-pixel thumbnails, at most `capacity` (and the GPU's limit) at once. */
  createAtlas(size: number, capacity: number): ThumbnailAtlas {
    this.thumbnails?.dispose();
    const gl = this.renderer.getContext() as WebGL2RenderingContext;
    const maxLayers = gl.getParameter(gl.MAX_ARRAY_TEXTURE_LAYERS) as number;
    this.thumbnails = new ThumbnailAtlas(size, Math.min(capacity, maxLayers));
    if (this.points) this.points.thumbs.material.uniforms.uAtlas!.value = this.thumbnails.texture;
    return this.thumbnails;
  }

  /** Replace the points: world positions and colours (rows × 3 each) and atlas slots (−1: none), one per point. */
  setPoints(positions: Float32Array, colors: Float32Array, slots: Float32Array): void {
    if (!this.thumbnails) throw new Error('the map scene needs an atlas before points');
    this.clearPoints();
    const count = positions.length / 3;
    const geometry = new BufferGeometry();
    const offsets = positions.slice();
    geometry.setAttribute('position', new BufferAttribute(offsets, 3));
    const colorAttribute = new BufferAttribute(colors.slice(), 3);
    const marks = new BufferAttribute(new Float32Array(count), 1);
    geometry.setAttribute('aColor', colorAttribute);
    geometry.setAttribute('aMark', marks);
    const dots = new Points(geometry, pointMaterial(DOT_VERTEX, DOT_FRAGMENT, DOT_SIZE));

    const thumbGeometry = new BufferGeometry();
    thumbGeometry.setAttribute('position', new BufferAttribute(new Float32Array(THUMB_LAYER * 3), 3));
    thumbGeometry.setAttribute('aColor', new BufferAttribute(new Float32Array(THUMB_LAYER * 3), 3));
    thumbGeometry.setAttribute('aSlot', new BufferAttribute(new Float32Array(THUMB_LAYER), 1));
    thumbGeometry.setAttribute('aMark', new BufferAttribute(new Float32Array(THUMB_LAYER), 1));
    thumbGeometry.setDrawRange(0, 0);
    const thumbs = new Points(thumbGeometry, pointMaterial(THUMB_VERTEX, THUMB_FRAGMENT, THUMB_SIZE, { uAtlas: { value: this.thumbnails.texture } }));
    // Most of the cloud is in view nearly always: skip three's bounds test (and its bounding sphere).
    dots.frustumCulled = thumbs.frustumCulled = false;
    thumbs.renderOrder = 1;
    this.scene.add(dots, thumbs);
    const slotted = new Set<number>();
    slots.forEach((slot, i) => slot >= 0 && slotted.add(i));
    this.points = { dots, offsets, colors: colorAttribute, marks, slots: slots.slice(), slotted, thumbs, thumbsFor: new Matrix4(), thumbsDirty: true };
  }

  /** Number of points drawn. */
  get pointCount(): number {
    return this.points ? this.points.offsets.length / 3 : 0;
  }

  /** World position of point instance `i`. */
  pointPosition(i: number, out = new Vector3()): Vector3 {
    const o = this.points!.offsets;
    return out.set(o[i * 3]!, o[i * 3 + 1]!, o[i * 3 + 2]!);
  }

  /** The thumbnail atlas (see {@link createAtlas}). */
  get atlas(): ThumbnailAtlas | null {
    return this.thumbnails;
  }

  /** New colours, rows × 3. */
  setColors(colors: Float32Array): void {
    if (!this.points) return;
    (this.points.colors.array as Float32Array).set(colors);
    this.points.colors.needsUpdate = true;
    this.points.thumbsDirty = true;
  }

  /** Selection marks (see {@link MARK}), one per point. */
  setMarks(marks: Float32Array): void {
    if (!this.points) return;
    (this.points.marks.array as Float32Array).set(marks);
    this.points.marks.needsUpdate = true;
    this.points.thumbsDirty = true;
  }

  /** The atlas slot shown by point `i` (−1: none). */
  setSlot(i: number, slot: number): void {
    if (!this.points) return;
    this.points.slots[i] = slot;
    if (slot >= 0) this.points.slotted.add(i);
    else this.points.slotted.delete(i);
    this.points.thumbsDirty = true;
  }

  /** Where the current latent is drawn (null: hidden). */
  setCurrent(position: readonly [number, number, number] | null): void {
    this.marker.visible = position !== null;
    if (position) this.marker.position.set(...position);
  }

  /** The timeline's keyframes and path (rows × 3 world positions); null removes them. */
  setPath(keyframes: Float32Array | null, path: Float32Array | null): void {
    if (this.path) {
      this.scene.remove(this.path.line, this.path.keys);
      disposeObject(this.path.line);
      disposeObject(this.path.keys);
      this.path = null;
    }
    if (!keyframes || keyframes.length === 0) return;
    const lineGeometry = new BufferGeometry();
    lineGeometry.setAttribute('position', new Float32BufferAttribute(path && path.length >= 6 ? path : keyframes, 3));
    const line = new Line(lineGeometry, new LineBasicMaterial({ color: 0x6ea8fe, depthTest: false, transparent: true, opacity: 0.9 }));
    const keyGeometry = new BufferGeometry();
    keyGeometry.setAttribute('position', new Float32BufferAttribute(keyframes, 3));
    const keys = new Points(keyGeometry, new PointsMaterial({ color: 0xffd166, size: 9, sizeAttenuation: false, depthTest: false }));
    line.renderOrder = keys.renderOrder = 5;
    this.scene.add(line, keys);
    this.path = { line, keys };
  }

  /** Direction axes as segments: `segments` holds from/to world positions (rows × 6), `colors` one RGB per axis. */
  setAxes(segments: Float32Array | null, colors: Float32Array | null): void {
    const count = segments && colors ? segments.length / 6 : 0;
    const existing = this.axes?.geometry.getAttribute('position');
    if (this.axes && existing && existing.count === count * 2) {
      // Same axes as last frame (dragging a slider): move them in place.
      (existing.array as Float32Array).set(segments!);
      existing.needsUpdate = true;
      this.axes.geometry.computeBoundingSphere();
      return;
    }
    if (this.axes) {
      this.scene.remove(this.axes);
      disposeObject(this.axes);
      this.axes = null;
    }
    if (count === 0) return;
    const geometry = new BufferGeometry();
    geometry.setAttribute('position', new Float32BufferAttribute(segments!, 3));
    const perVertex = new Float32Array(count * 6);
    for (let v = 0; v < count * 2; v++) perVertex.set(colors!.subarray(Math.floor(v / 2) * 3, Math.floor(v / 2) * 3 + 3), v * 3);
    geometry.setAttribute('color', new Float32BufferAttribute(perVertex, 3));
    this.axes = new LineSegments(geometry, new LineBasicMaterial({ vertexColors: true, depthTest: false }));
    this.axes.renderOrder = 6;
    this.scene.add(this.axes);
  }

  /** The axes' from/to world positions (rows × 6), or null when none are drawn. */
  axisSegments(): ArrayLike<number> | null {
    return (this.axes?.geometry.getAttribute('position').array as Float32Array | undefined) ?? null;
  }

  /** Draw one frame; returns the CPU time it took in ms. */
  render(): number {
    const started = performance.now();
    const pixelsPerUnit = this.pixelsPerUnit();
    if (this.points) {
      // gl_PointSize is in drawing-buffer pixels.
      const ratio = this.renderer.getPixelRatio();
      for (const layer of [this.points.dots, this.points.thumbs]) {
        const uniforms = layer.material.uniforms;
        uniforms.uPixelsPerUnit!.value = pixelsPerUnit * ratio;
        uniforms.uMinPixels!.value = MIN_POINT_PIXELS * ratio;
        uniforms.uMaxPixels!.value = Math.min(MAX_POINT_PIXELS * ratio, this.maxPointSize);
      }
      this.sortThumbnails(this.points);
    }
    if (this.marker.visible) {
      // A ring of constant on-screen size (about 14 px), always facing the camera.
      const depth = Math.max(1e-3, scratch.copy(this.marker.position).applyMatrix4(this.camera.matrixWorldInverse).z * -1);
      this.marker.scale.setScalar((14 * depth) / pixelsPerUnit);
      this.marker.quaternion.copy(this.camera.quaternion);
    }
    this.renderer.render(this.scene, this.camera);
    return performance.now() - started;
  }

  /** Fill the thumbnail layer with the slotted points near the camera, far to near (it has no depth test). */
  private sortThumbnails(points: PointsData): void {
    this.camera.updateMatrixWorld();
    const view = this.camera.matrixWorldInverse;
    if (!points.thumbsDirty && points.thumbsFor.equals(view)) return;
    points.thumbsFor.copy(view);
    points.thumbsDirty = false;
    const near: [number, number][] = [];
    for (const i of points.slotted) {
      const depth = -scratch.fromArray(points.offsets, i * 3).applyMatrix4(view).z;
      if (depth > this.camera.near && depth < THUMB_DISTANCE) near.push([i, depth]);
    }
    near.sort((a, b) => a[1] - b[1]);
    const drawn = near.slice(0, THUMB_LAYER).reverse();
    const geometry = points.thumbs.geometry;
    const position = geometry.getAttribute('position') as BufferAttribute;
    const color = geometry.getAttribute('aColor') as BufferAttribute;
    const slot = geometry.getAttribute('aSlot') as BufferAttribute;
    const mark = geometry.getAttribute('aMark') as BufferAttribute;
    const colors = points.colors.array as Float32Array;
    const marks = points.marks.array as Float32Array;
    drawn.forEach(([i], k) => {
      (position.array as Float32Array).set(points.offsets.subarray(i * 3, i * 3 + 3), k * 3);
      (color.array as Float32Array).set(colors.subarray(i * 3, i * 3 + 3), k * 3);
      (slot.array as Float32Array)[k] = points.slots[i]!;
      (mark.array as Float32Array)[k] = marks[i]!;
    });
    for (const attribute of [position, color, slot, mark]) attribute.needsUpdate = true;
    geometry.setDrawRange(0, drawn.length);
  }

  /** CSS pixels per world unit at depth 1. */
  private pixelsPerUnit(): number {
    return this.height / (2 * Math.tan((FOV * Math.PI) / 360));
  }

  /** Screen position (CSS pixels from the canvas's top-left) of a world point, or null behind the camera. */
  toScreen(world: Vector3): { x: number; y: number } | null {
    scratch.copy(world).applyMatrix4(this.camera.matrixWorldInverse);
    if (scratch.z >= -this.camera.near) return null;
    scratch.applyMatrix4(this.camera.projectionMatrix);
    return { x: ((scratch.x + 1) / 2) * this.width, y: ((1 - scratch.y) / 2) * this.height };
  }

  /**
   * The point instance under (x, y) in CSS pixels: of the points whose drawn disc or thumbnail
   * contains it (with a few pixels of slack), the nearest to the camera; −1 when none.
   */
  pick(x: number, y: number, slackPixels = 3): number {
    if (!this.points) return -1;
    const hits = this.screenPass((sx, sy, radius) => Math.abs(sx - x) <= radius + slackPixels && Math.abs(sy - y) <= radius + slackPixels);
    let best = -1;
    let bestDepth = Infinity;
    for (const [i, depth] of hits) {
      if (depth < bestDepth) {
        best = i;
        bestDepth = depth;
      }
    }
    return best;
  }

  /** Point instances whose centres lie in the screen rectangle (CSS pixels). */
  pointsInRect(left: number, top: number, right: number, bottom: number): number[] {
    return this.screenPass((sx, sy) => sx >= left && sx <= right && sy >= top && sy <= bottom).map(([i]) => i);
  }

  /** Point instances in front of the camera within `distance` of it and on screen, nearest first. */
  nearCamera(distance: number, limit: number): number[] {
    const visible = this.screenPass((sx, sy) => sx >= 0 && sx <= this.width && sy >= 0 && sy <= this.height).filter(([, depth]) => depth < distance);
    return visible
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([i]) => i);
  }

  /** Live GPU objects, to check that nothing leaks. */
  gpuCounts(): GpuCounts {
    const { memory, programs } = this.renderer.info;
    return { geometries: memory.geometries, textures: memory.textures, programs: programs?.length ?? 0 };
  }

  /** Dispose everything a model's data made: points, atlas, path, axes. */
  clearData(): void {
    this.clearPoints();
    this.thumbnails?.dispose();
    this.thumbnails = null;
    this.setPath(null, null);
    this.setAxes(null, null);
    this.marker.visible = false;
  }

  /** Dispose every GPU object and the context. */
  dispose(): void {
    this.clearData();
    this.marker.traverse((o) => disposeObject(o));
    this.renderer.dispose();
    // Browsers cap live WebGL contexts; give this one back now rather than at garbage collection.
    this.renderer.forceContextLoss();
  }

  private clearPoints(): void {
    if (!this.points) return;
    this.scene.remove(this.points.dots, this.points.thumbs);
    disposeObject(this.points.dots);
    disposeObject(this.points.thumbs);
    this.points = null;
  }

  /** Project every point; `keep(x, y, radius)` decides which are returned as [instance, depth]. */
  private screenPass(keep: (x: number, y: number, radius: number) => boolean): [number, number][] {
    const points = this.points!;
    this.camera.updateMatrixWorld();
    const v = this.camera.matrixWorldInverse.elements;
    const p = this.camera.projectionMatrix.elements;
    const slots = points.slots;
    const pixelsPerUnit = this.pixelsPerUnit();
    const maxPixels = this.maxPointSize / this.renderer.getPixelRatio();
    const o = points.offsets;
    const out: [number, number][] = [];
    for (let i = 0; i < o.length / 3; i++) {
      const x = o[i * 3]!;
      const y = o[i * 3 + 1]!;
      const z = o[i * 3 + 2]!;
      const vx = v[0]! * x + v[4]! * y + v[8]! * z + v[12]!;
      const vy = v[1]! * x + v[5]! * y + v[9]! * z + v[13]!;
      const vz = v[2]! * x + v[6]! * y + v[10]! * z + v[14]!;
      const depth = -vz;
      if (depth <= this.camera.near) continue;
      // Perspective projection: clip x = p0·vx + p8·vz, clip w = −vz.
      const sx = (((p[0]! * vx + p[8]! * vz) / depth + 1) / 2) * this.width;
      const sy = ((1 - (p[5]! * vy + p[9]! * vz) / depth) / 2) * this.height;
      const worldSize = slots[i]! >= 0 && depth < THUMB_DISTANCE ? THUMB_SIZE : DOT_SIZE;
      const radius = Math.min(Math.max((worldSize * pixelsPerUnit) / depth, MIN_POINT_PIXELS), MAX_POINT_PIXELS, maxPixels) / 2;
      if (keep(sx, sy, radius)) out.push([i, depth]);
    }
    return out;
  }
}

/** Dispose the geometry and material(s) an object owns. */
function disposeObject(object: Object3D): void {
  const { geometry, material } = object as Partial<Mesh>;
  geometry?.dispose();
  if (Array.isArray(material)) material.forEach((m) => m.dispose());
  else material?.dispose();
}
