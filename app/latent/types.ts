/**
 * Branded latent types. Each is a plain `Float32Array` at run time (so it can go straight into an
 * ONNX tensor) with a compile-time tag, so a z can't be passed where a w is expected. Make them
 * only through `asZ`, `asW` and `asWPlus`, which check lengths.
 */

declare const latentKind: unique symbol;

/** A latent code z for one image: z_dim float32 values (input of mapping/generator networks). */
export type Z = Float32Array & { readonly [latentKind]: 'Z' };

/** One intermediate latent w: w_dim float32 values (one row of ws, or `w_avg`). */
export type W = Float32Array & { readonly [latentKind]: 'W' };

/**
 * A full set of per-layer latents ws for one image, row-major `[num_ws, w_dim]` flattened
 * (the mapping network's `[1, num_ws, w_dim]` output without the batch axis), carrying its shape.
 */
export type WPlus = Float32Array & {
  readonly [latentKind]: 'WPlus';
  /** Number of rows (synthesis layers that take a w). */
  readonly numWs: number;
  /** Length of each row. */
  readonly wDim: number;
};

function checkDim(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}.`);
  }
}

function checkLength(kind: string, data: Float32Array, expected: number, shape: string): void {
  if (!(data instanceof Float32Array)) {
    throw new TypeError(`${kind} must be a Float32Array.`);
  }
  if (data.length !== expected) {
    throw new RangeError(`${kind} has ${data.length} values but shape ${shape} needs ${expected}.`);
  }
}

/**
 * Tags `data` as a z of length `zDim`. The array is not copied.
 * @param data the values
 * @param zDim the model's z_dim
 * @throws RangeError if the length is not zDim
 */
export function asZ(data: Float32Array, zDim: number): Z {
  checkDim('zDim', zDim);
  checkLength('z', data, zDim, `[${zDim}]`);
  return data as Z;
}

/**
 * Tags `data` as one w row of length `wDim`. The array is not copied.
 * @param data the values
 * @param wDim the model's w_dim
 * @throws RangeError if the length is not wDim
 */
export function asW(data: Float32Array, wDim: number): W {
  checkDim('wDim', wDim);
  checkLength('w', data, wDim, `[${wDim}]`);
  return data as W;
}

/**
 * Tags `data` as ws of shape `[numWs, wDim]` (row-major) and records the shape on it as read-only
 * `numWs`/`wDim` properties. The array is not copied; tagging it again with another shape fails.
 * @param data numWs·wDim values, row i at `[i·wDim, (i+1)·wDim)`
 * @param numWs the model's num_ws
 * @param wDim the model's w_dim
 * @throws RangeError if the length is not numWs·wDim, or the array already has another shape
 */
export function asWPlus(data: Float32Array, numWs: number, wDim: number): WPlus {
  checkDim('numWs', numWs);
  checkDim('wDim', wDim);
  checkLength('ws', data, numWs * wDim, `[${numWs}, ${wDim}]`);
  const shaped = data as Float32Array & { numWs?: number; wDim?: number };
  if (shaped.numWs === undefined) {
    Object.defineProperties(data, {
      numWs: { value: numWs, enumerable: false },
      wDim: { value: wDim, enumerable: false },
    });
  } else if (shaped.numWs !== numWs || shaped.wDim !== wDim) {
    throw new RangeError(
      `ws is already shaped [${shaped.numWs}, ${shaped.wDim}], not [${numWs}, ${wDim}].`,
    );
  }
  return data as WPlus;
}

/**
 * A view (no copy) of row `index` of `ws` as a w; writing to it writes into `ws`.
 * @throws RangeError if index is not a row of ws
 */
export function wPlusRow(ws: WPlus, index: number): W {
  if (!Number.isInteger(index) || index < 0 || index >= ws.numWs) {
    throw new RangeError(`Row ${index} is outside ws rows 0–${ws.numWs - 1}.`);
  }
  return ws.subarray(index * ws.wDim, (index + 1) * ws.wDim) as W;
}
