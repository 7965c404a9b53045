/**
 * PNG chunks, encoding and decoding, and iTXt text chunks: enough to write the studio's exports with
 * their provenance record and to read them (and typical 8-bit and palette PNGs) back. No DOM, no Node: zlib
 * comes from fflate and the CRC is computed here, so the same code runs in the renderer, the hosts
 * and the CLI.
 */
import { strFromU8, strToU8, zlibSync } from 'fflate';
import { InflateError, inflateBounded } from './inflate';
import { formatBytes, MAX_PNG_FILE_BYTES, MAX_PNG_IMAGE_BYTES, MAX_PNG_TEXT_BYTES } from './limits';

/** iTXt keyword of the studio's provenance record; its text is JSON. */
export const PROVENANCE_KEYWORD = 'latent-studio';

/** Raised on a malformed PNG or an argument no PNG can hold; the message says what to do. */
export class PngError extends Error {
  override readonly name = 'PngError';
}

/** One chunk of a PNG file. */
export interface PngChunk {
  /** The four-letter chunk type, e.g. `IHDR`. */
  readonly type: string;
  /** The chunk's payload (a view into the file's bytes, not a copy). */
  readonly data: Uint8Array;
}

/** A decoded image: 8-bit samples, row-major, `channels` per pixel. */
export interface PngImage {
  readonly width: number;
  readonly height: number;
  /** 3 (RGB) or 4 (RGBA). */
  readonly channels: 3 | 4;
  /** width·height·channels bytes. */
  readonly data: Uint8Array;
}

/** Options of {@link encodePng}. */
export interface EncodePngOptions {
  /** Text written as uncompressed UTF-8 iTXt chunks, keyword → text. */
  readonly text?: Readonly<Record<string, string>>;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** The PNG spec caps chunk lengths and image dimensions at 2³¹ − 1. */
const MAX_UINT31 = 0x7fffffff;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as PNG and zip use it) of `bytes`, continuing from `crc` when given. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function writeUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

function isChunkType(bytes: Uint8Array): boolean {
  return bytes.every((b) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a));
}

/**
 * Split a PNG file into its chunks, checking the signature, every length and every CRC, up to and
 * including IEND (bytes after IEND are ignored, as viewers do). Throws {@link PngError}.
 */
export function readPngChunks(bytes: Uint8Array): PngChunk[] {
  if (bytes.length < SIGNATURE.length || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new PngError('not a PNG file: the 8-byte PNG signature is missing; open a .png image');
  }
  if (bytes.length > MAX_PNG_FILE_BYTES) {
    throw new PngError(`PNG file is ${formatBytes(bytes.length)}, more than the ${formatBytes(MAX_PNG_FILE_BYTES)} the studio reads; use a smaller image`);
  }
  const chunks: PngChunk[] = [];
  let at = SIGNATURE.length;
  for (;;) {
    if (at + 12 > bytes.length) {
      throw new PngError('PNG file is truncated: it ends before the IEND chunk; the file was not copied completely');
    }
    const length = readUint32(bytes, at);
    const typeBytes = bytes.subarray(at + 4, at + 8);
    if (!isChunkType(typeBytes)) throw new PngError(`PNG file is corrupt: bad chunk type at byte ${at + 4}`);
    const type = strFromU8(typeBytes, true);
    if (length > MAX_UINT31 || at + 12 + length > bytes.length) {
      throw new PngError(`PNG file is truncated: chunk ${type} at byte ${at} runs past the end of the file`);
    }
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== readUint32(bytes, at + 8 + length)) {
      throw new PngError(`PNG file is corrupt: chunk ${type} at byte ${at} fails its CRC check`);
    }
    chunks.push({ type, data });
    at += 12 + length;
    if (type === 'IEND') return chunks;
  }
}

function chunkBytes(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  writeUint32(out, 0, data.length);
  out.set(strToU8(type, true), 4);
  out.set(data, 8);
  writeUint32(out, 8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function assemble(chunks: readonly PngChunk[]): Uint8Array {
  const parts = [SIGNATURE, ...chunks.map((c) => chunkBytes(c.type, c.data))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function checkKeyword(keyword: string): Uint8Array {
  // PNG keywords are 1–79 printable Latin-1 characters without leading, trailing or double spaces.
  const printable = /^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword);
  if (!printable || keyword.startsWith(' ') || keyword.endsWith(' ') || keyword.includes('  ')) {
    throw new PngError(
      `invalid PNG text keyword "${keyword}": use 1–79 printable Latin-1 characters without leading, trailing or double spaces`,
    );
  }
  return strToU8(keyword, true);
}

function iTxtChunk(keyword: string, text: string): PngChunk {
  const key = checkKeyword(keyword);
  const body = strToU8(text);
  // keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL.
  const data = new Uint8Array(key.length + 5 + body.length);
  data.set(key, 0);
  data.set(body, key.length + 5);
  return { type: 'iTXt', data };
}

function iTxtKeyword(data: Uint8Array): string | undefined {
  const end = data.indexOf(0);
  return end > 0 ? strFromU8(data.subarray(0, end), true) : undefined;
}

function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return strFromU8(bytes);
  } catch {
    throw new PngError(`${what} is not valid UTF-8; re-export the image`);
  }
}

function iTxtText(data: Uint8Array, keyword: string): string {
  const what = `iTXt chunk "${keyword}"`;
  const flagAt = data.indexOf(0) + 1;
  const languageEnd = data.indexOf(0, flagAt + 2);
  const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
  if (flagAt + 2 > data.length || translatedEnd < 0) throw new PngError(`${what} is malformed; re-export the image`);
  const flag = data[flagAt]!;
  const method = data[flagAt + 1]!;
  const body = data.subarray(translatedEnd + 1);
  if (flag === 0) return decodeUtf8(body, what);
  if (flag !== 1 || method !== 0) throw new PngError(`${what} uses an unknown compression; re-export the image`);
  let inflated: Uint8Array;
  try {
    inflated = inflateBounded(body, { limit: MAX_PNG_TEXT_BYTES, what, format: 'zlib' });
  } catch (error) {
    if (!(error instanceof InflateError)) throw error;
    throw new PngError(error.reason === 'corrupt' ? `${what} has corrupt compressed text; re-export the image` : `${error.message}; re-export the image`);
  }
  return decodeUtf8(inflated, what);
}

/**
 * The text of the first iTXt chunk named `keyword` in a PNG file (compressed or not), or undefined
 * when there is none. Throws {@link PngError} on a malformed file or chunk.
 */
export function readITxt(bytes: Uint8Array, keyword: string): string | undefined {
  for (const chunk of readPngChunks(bytes)) {
    if (chunk.type === 'iTXt' && iTxtKeyword(chunk.data) === keyword) return iTxtText(chunk.data, keyword);
  }
  return undefined;
}

/**
 * A copy of a PNG file with an uncompressed UTF-8 iTXt chunk `keyword` → `text` inserted before
 * IEND. iTXt chunks already named `keyword` are dropped, so re-tagging an image replaces its record
 * rather than leaving two that disagree. Throws {@link PngError}.
 */
export function addITxt(pngBytes: Uint8Array, keyword: string, text: string): Uint8Array {
  const added = iTxtChunk(keyword, text);
  const chunks = readPngChunks(pngBytes).filter((c) => !(c.type === 'iTXt' && iTxtKeyword(c.data) === keyword));
  chunks.splice(chunks.length - 1, 0, added);
  return assemble(chunks);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Predictor of filter type `type` for the byte with left `a`, up `b` and up-left `c`. */
function predict(type: number, a: number, b: number, c: number): number {
  switch (type) {
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) >>> 1;
    case 4:
      return paeth(a, b, c);
    default:
      return 0;
  }
}

/**
 * Encode 8-bit pixels as a PNG. `pixels` holds width·height·4 (RGBA) or width·height·3 (RGB)
 * bytes, row-major; the colour type follows from its length. Each row gets the filter with the
 * smallest sum of absolute residuals (the heuristic libpng uses), then zlib compresses the lot.
 * Throws {@link PngError} on a bad size or text keyword.
 */
export function encodePng(
  pixels: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  options: EncodePngOptions = {},
): Uint8Array {
  const valid = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_UINT31;
  if (!valid(width) || !valid(height)) {
    throw new PngError(`cannot encode a ${width}×${height} PNG: width and height must be whole numbers ≥ 1`);
  }
  const bpp = pixels.length === width * height * 4 ? 4 : pixels.length === width * height * 3 ? 3 : 0;
  if (bpp === 0) {
    throw new PngError(
      `cannot encode ${pixels.length} bytes as a ${width}×${height} PNG: pass ${width * height * 4} (RGBA) or ${width * height * 3} (RGB) bytes`,
    );
  }
  const textChunks = Object.entries(options.text ?? {}).map(([k, v]) => iTxtChunk(k, v));
  const stride = width * bpp;
  const filtered = new Uint8Array(height * (stride + 1));
  const candidate = new Uint8Array(stride);
  const zeroRow = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const prior = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : zeroRow;
    let bestCost = Infinity;
    for (let type = 0; type <= 4; type++) {
      let cost = 0;
      for (let x = 0; x < stride; x++) {
        const a = x >= bpp ? row[x - bpp]! : 0;
        const c = x >= bpp ? prior[x - bpp]! : 0;
        const residual = (row[x]! - predict(type, a, prior[x]!, c)) & 0xff;
        candidate[x] = residual;
        // Residuals read as signed bytes: small magnitudes compress best.
        cost += residual < 128 ? residual : 256 - residual;
      }
      if (cost < bestCost) {
        bestCost = cost;
        filtered[y * (stride + 1)] = type;
        filtered.set(candidate, y * (stride + 1) + 1);
      }
    }
  }
  const header = new Uint8Array(13);
  writeUint32(header, 0, width);
  writeUint32(header, 4, height);
  header[8] = 8;
  header[9] = bpp === 4 ? 6 : 2;
  return assemble([
    { type: 'IHDR', data: header },
    ...textChunks,
    { type: 'IDAT', data: zlibSync(filtered) },
    { type: 'IEND', data: new Uint8Array(0) },
  ]);
}

/** Samples per pixel and the bit depths the PNG spec allows, by colour type. */
const COLOR_TYPES: Record<number, { samples: number; depths: readonly number[] }> = {
  0: { samples: 1, depths: [1, 2, 4, 8, 16] },
  2: { samples: 3, depths: [8, 16] },
  3: { samples: 1, depths: [1, 2, 4, 8] },
  4: { samples: 2, depths: [8, 16] },
  6: { samples: 4, depths: [8, 16] },
};

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
}

function readHeader(chunks: readonly PngChunk[]): Header {
  const ihdr = chunks[0];
  if (ihdr?.type !== 'IHDR' || ihdr.data.length !== 13) {
    throw new PngError('PNG file is corrupt: it does not start with a 13-byte IHDR chunk');
  }
  const d = ihdr.data;
  const width = readUint32(d, 0);
  const height = readUint32(d, 4);
  const [depth, colorType, compression, filter, interlace] = [d[8]!, d[9]!, d[10]!, d[11]!, d[12]!];
  if (width < 1 || height < 1 || width > MAX_UINT31 || height > MAX_UINT31) {
    throw new PngError(`PNG file is corrupt: its size ${width}×${height} is invalid`);
  }
  const known = COLOR_TYPES[colorType]?.depths.includes(depth) ?? false;
  if (!known || compression !== 0 || filter !== 0 || interlace > 1) {
    throw new PngError('PNG file is corrupt: its IHDR chunk holds an unknown colour type, bit depth or method');
  }
  if (depth === 16) throw new PngError('16-bit PNG files are not supported: re-save the image with 8-bit samples');
  if (interlace === 1) throw new PngError('interlaced PNG files are not supported: re-save the image without interlacing');
  return { width, height, depth, colorType };
}

/** Inflate the IDAT stream; `expected` (the filtered rows' size from IHDR) bounds it, so a bomb stops there. */
function inflateImage(chunks: readonly PngChunk[], expected: number): Uint8Array {
  if (expected > MAX_PNG_IMAGE_BYTES) {
    throw new PngError(`PNG image is too large: its pixels need ${formatBytes(expected)}, more than the ${formatBytes(MAX_PNG_IMAGE_BYTES)} the studio decodes`);
  }
  const idat = chunks.filter((c) => c.type === 'IDAT');
  if (idat.length === 0) throw new PngError('PNG file has no image data (IDAT chunk); re-export the image');
  const joined = new Uint8Array(idat.reduce((n, c) => n + c.data.length, 0));
  let at = 0;
  for (const c of idat) {
    joined.set(c.data, at);
    at += c.data.length;
  }
  try {
    return inflateBounded(joined, { limit: expected, what: 'PNG image data', format: 'zlib' });
  } catch (error) {
    if (!(error instanceof InflateError)) throw error;
    if (error.reason === 'corrupt') throw new PngError('PNG image data is corrupt: it does not inflate; re-export the image');
    throw new PngError('PNG image data inflates to more than its header says the image holds: the file is damaged; re-export the image');
  }
}

/**
 * Undo the per-row filters; `raw` holds `height` rows of one filter byte then `stride` bytes, and
 * `bpp` is the filters' byte distance to the left neighbour (1 for sub-byte pixels).
 */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)]!;
    if (type > 4) throw new PngError(`PNG image data is corrupt: row ${y} has unknown filter type ${type}`);
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[row - stride + x]! : 0;
      const c = x >= bpp && y > 0 ? out[row - stride + x - bpp]! : 0;
      out[row + x] = (raw[src + x]! + predict(type, a, b, c)) & 0xff;
    }
  }
  return out;
}

function palette(chunks: readonly PngChunk[]): { rgb: Uint8Array; alpha: Uint8Array | undefined } {
  const plte = chunks.find((c) => c.type === 'PLTE');
  if (!plte || plte.data.length === 0 || plte.data.length % 3 !== 0 || plte.data.length > 768) {
    throw new PngError('PNG file is corrupt: its palette (PLTE chunk) is missing or malformed');
  }
  return { rgb: plte.data, alpha: chunks.find((c) => c.type === 'tRNS')?.data };
}

/**
 * Decode a non-interlaced PNG with 8-bit samples (RGB, RGBA, grey + alpha) or 1/2/4/8-bit grey and
 * palette images, with all five row filters, to 8-bit RGB or RGBA: grey expands to RGB, and a
 * palette to RGBA when it carries transparency (tRNS); a tRNS colour key on grey or RGB images is
 * ignored. 16-bit and interlaced files are refused. Throws {@link PngError} on those and on a
 * corrupt file.
 */
export function decodePng(bytes: Uint8Array): PngImage {
  const chunks = readPngChunks(bytes);
  const { width, height, depth, colorType } = readHeader(chunks);
  const { samples } = COLOR_TYPES[colorType]!;
  const stride = Math.ceil((width * samples * depth) / 8);
  const raw = inflateImage(chunks, height * (stride + 1));
  // Compare before allocating: a corrupt IHDR may claim a size far larger than the data.
  if (raw.length < height * (stride + 1)) {
    throw new PngError(`PNG image data is truncated: ${width}×${height} needs more than the file holds`);
  }
  const rows = unfilter(raw, height, stride, Math.max(1, (samples * depth) >> 3));
  if (colorType === 2 || colorType === 6) return { width, height, channels: samples as 3 | 4, data: rows };

  const pal = colorType === 3 ? palette(chunks) : undefined;
  const channels = colorType === 4 || pal?.alpha ? 4 : 3;
  const out = new Uint8Array(width * height * channels);
  const max = (1 << depth) - 1;
  let q = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++, q += channels) {
      // Sub-byte samples are packed most significant bits first.
      const bit = x * samples * depth;
      const value = (rows[y * stride + (bit >> 3)]! >> (8 - depth - (bit & 7))) & max;
      if (pal) {
        if (value * 3 >= pal.rgb.length) {
          throw new PngError(`PNG image data is corrupt: palette index ${value} is out of range`);
        }
        out.set(pal.rgb.subarray(value * 3, value * 3 + 3), q);
        if (channels === 4) out[q + 3] = pal.alpha?.[value] ?? 255;
      } else {
        // 255 / max is a whole number for 1, 2, 4 and 8 bits, so grey levels scale exactly.
        out[q] = out[q + 1] = out[q + 2] = value * (255 / max);
        if (channels === 4) out[q + 3] = rows[y * stride + (bit >> 3) + 1]!;
      }
    }
  }
  return { width, height, channels, data: out };
}
