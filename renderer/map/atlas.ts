/**
 * Thumbnails of map points on the GPU: one layer of a texture array per thumbnail, so a new
 * thumbnail uploads only its own layer. Layers are reused least-recently-used first, which bounds
 * GPU memory however far the user flies.
 */
import { DataArrayTexture, LinearFilter, NearestFilter, RGBAFormat, UnsignedByteType } from 'three';
import type { Rgba } from '../../app/inference/image';

/** Least-recently-used assignment of keys to a fixed number of slots. */
export class LruSlots {
  /** key → slot, in use order (oldest first: Map keeps insertion order). */
  private readonly order = new Map<number, number>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`an atlas needs at least one slot, not ${capacity}`);
  }

  /** The slot of `key` (marking it as just used), or undefined. */
  use(key: number): number | undefined {
    const slot = this.order.get(key);
    if (slot === undefined) return undefined;
    this.order.delete(key);
    this.order.set(key, slot);
    return slot;
  }

  /** The slot of `key` without touching its age. */
  peek(key: number): number | undefined {
    return this.order.get(key);
  }

  /** A slot for `key`: its own, a free one, or the least recently used one's (whose key is returned as `evicted`). */
  assign(key: number): { slot: number; evicted: number | null } {
    const own = this.use(key);
    if (own !== undefined) return { slot: own, evicted: null };
    if (this.order.size < this.capacity) {
      const slot = this.order.size;
      this.order.set(key, slot);
      return { slot, evicted: null };
    }
    const [oldest, slot] = this.order.entries().next().value!;
    this.order.delete(oldest);
    this.order.set(key, slot);
    return { slot, evicted: oldest };
  }

  /** Number of keys holding a slot. */
  get size(): number {
    return this.order.size;
  }
}

/** The texture array of thumbnails, `size` pixels square, at most `capacity` at once. */
export class ThumbnailAtlas {
  readonly texture: DataArrayTexture;
  private readonly slots: LruSlots;
  private readonly data: Uint8Array;

  constructor(
    readonly size: number,
    capacity: number,
  ) {
    this.slots = new LruSlots(capacity);
    this.data = new Uint8Array(size * size * 4 * capacity);
    this.texture = new DataArrayTexture(this.data, size, size, capacity);
    this.texture.format = RGBAFormat;
    this.texture.type = UnsignedByteType;
    // Crisp pixels up close (small models), smooth when a thumbnail is smaller than its pixels.
    this.texture.magFilter = NearestFilter;
    this.texture.minFilter = LinearFilter;
    this.texture.generateMipmaps = false;
    this.texture.needsUpdate = true;
  }

  /** Store `image` (size × size) as the thumbnail of `point`; returns its slot and the point that lost its slot. */
  put(point: number, image: Rgba): { slot: number; evicted: number | null } {
    if (image.width !== this.size || image.height !== this.size) {
      throw new RangeError(`a thumbnail must be ${this.size}×${this.size}, not ${image.width}×${image.height}`);
    }
    const placed = this.slots.assign(point);
    this.data.set(image.data, placed.slot * this.size * this.size * 4);
    this.texture.addLayerUpdate(placed.slot);
    this.texture.needsUpdate = true;
    return placed;
  }

  /** The slot of `point`'s thumbnail (marking it as used), or undefined. */
  use(point: number): number | undefined {
    return this.slots.use(point);
  }

  /** The slot of `point`'s thumbnail without touching its age, or undefined. */
  peek(point: number): number | undefined {
    return this.slots.peek(point);
  }

  /** A copy of `point`'s thumbnail, or null when it has none. */
  pixels(point: number): ImageData | null {
    const slot = this.slots.peek(point);
    if (slot === undefined) return null;
    const bytes = this.size * this.size * 4;
    return new ImageData(new Uint8ClampedArray(this.data.subarray(slot * bytes, (slot + 1) * bytes)), this.size, this.size);
  }

  /** Thumbnails held. */
  get count(): number {
    return this.slots.size;
  }

  /** Free the GPU texture. */
  dispose(): void {
    this.texture.dispose();
  }
}
