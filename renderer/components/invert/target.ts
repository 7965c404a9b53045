/**
 * The picture an inversion aims at, as the dialog makes it: a user's file (PNG, JPEG or WebP of
 * any size, decoded by the browser's createImageBitmap), the square the crop box selects, scaled
 * to the model's resolution; and the difference picture shown beside target and result.
 */

/** File types the dialog takes. */
export const TARGET_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;

/** A square in source pixels: top-left corner and side. */
export interface Crop {
  x: number;
  y: number;
  size: number;
}

/** Decode a picture file; says what to do when the file is not one the dialog takes. */
export async function decodeTarget(file: File): Promise<ImageBitmap> {
  if (!(TARGET_TYPES as readonly string[]).includes(file.type)) {
    throw new Error(`${file.name} is not a PNG, JPEG or WebP picture (its type is “${file.type || 'unknown'}”): choose one of those`);
  }
  try {
    return await createImageBitmap(file);
  } catch (error) {
    throw new Error(`${file.name} could not be decoded (${error instanceof Error ? error.message : String(error)}): save it again as PNG and retry`, { cause: error });
  }
}

/** The largest centred square of a picture. */
export function centredCrop(width: number, height: number): Crop {
  const size = Math.min(width, height);
  return { x: Math.floor((width - size) / 2), y: Math.floor((height - size) / 2), size };
}

/** `crop` moved and resized to stay inside a width×height picture (side ≥ 8 px, or the picture's). */
export function clampCrop(crop: Crop, width: number, height: number): Crop {
  const size = Math.round(Math.max(Math.min(8, width, height), Math.min(crop.size, width, height)));
  return { x: Math.round(Math.min(Math.max(0, crop.x), width - size)), y: Math.round(Math.min(Math.max(0, crop.y), height - size)), size };
}

/** The cropped square at `resolution`² pixels (smoothly scaled; transparent parts on black). */
export function cropToTarget(bitmap: ImageBitmap, crop: Crop, resolution: number): ImageData {
  const canvas = new OffscreenCanvas(resolution, resolution);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('this browser gives no 2-D canvas to scale the picture with: try another browser');
  context.fillStyle = '#000';
  context.fillRect(0, 0, resolution, resolution);
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, crop.x, crop.y, crop.size, crop.size, 0, 0, resolution, resolution);
  return context.getImageData(0, 0, resolution, resolution);
}

/** |a − b| per channel, brightened 2× so small errors show. */
export function difference(a: ImageData, b: ImageData): ImageData {
  const out = new ImageData(a.width, a.height);
  for (let i = 0; i < out.data.length; i += 4) {
    for (let c = 0; c < 3; c++) out.data[i + c] = Math.min(255, 2 * Math.abs(a.data[i + c]! - b.data[i + c]!));
    out.data[i + 3] = 255;
  }
  return out;
}
