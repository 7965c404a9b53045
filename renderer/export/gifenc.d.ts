/** Types of the parts of gifenc (1.0, plain JavaScript) that the GIF export uses. */
declare module 'gifenc' {
  /** RGB colours, [r, g, b] each 0–255. */
  export type Palette = number[][];
  /** Colour packing used while quantising: fewer bits are faster and coarser. */
  export type PaletteFormat = 'rgb565' | 'rgb444' | 'rgba4444';

  export interface FrameOptions {
    palette?: Palette;
    /** Frame delay in ms (written in 1/100 s, rounded). */
    delay?: number;
    /** −1 = play once, 0 = loop forever, n = n extra loops (written with the first frame). */
    repeat?: number;
    /** With `auto: false`: whether this frame writes the screen descriptor and global palette. */
    first?: boolean;
    transparent?: boolean;
    transparentIndex?: number;
    colorDepth?: number;
    dispose?: number;
  }

  /** The encoder's growable output buffer. */
  export interface GifStream {
    /** Forget the bytes written so far (the encoder's own state is kept). */
    reset(): void;
    /** The bytes written so far, as a view that the next write may invalidate. */
    bytesView(): Uint8Array;
  }

  export interface GifEncoder {
    writeHeader(): void;
    writeFrame(index: Uint8Array, width: number, height: number, options?: FrameOptions): void;
    finish(): void;
    bytes(): Uint8Array;
    bytesView(): Uint8Array;
    readonly stream: GifStream;
  }

  export function GIFEncoder(options?: { auto?: boolean; initialCapacity?: number }): GifEncoder;
  export function quantize(rgba: Uint8Array | Uint8ClampedArray, maxColors: number, options?: { format?: PaletteFormat }): Palette;
  export function applyPalette(rgba: Uint8Array | Uint8ClampedArray, palette: Palette, format?: PaletteFormat): Uint8Array;
}
