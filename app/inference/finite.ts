/**
 * A model whose weights or export are broken can give NaN or infinite pixels; drawn, they would
 * silently become black or white. Every frame is checked before it is shown — a pass over the
 * output that costs well under a millisecond at 256 px, next to tens of ms of inference.
 */
import type { Tensor } from './runner';

/** Raised when a model's output holds NaN or ±Infinity; the message names the model and what to do. */
export class NonFiniteOutputError extends Error {
  override readonly name = 'NonFiniteOutputError';
}

/** How many values of `data` are NaN or infinite. */
export function countNonFinite(data: Float32Array): number {
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) bad += 1;
  return bad;
}

/** Throw {@link NonFiniteOutputError} when `image` (the output of model `modelName`) holds NaN or ±Infinity. */
export function checkFiniteImage(image: Tensor, modelName: string): void {
  const bad = countNonFinite(image.data);
  if (bad > 0) throw nonFiniteError(modelName, bad, image.data.length);
}

/** The error for `bad` non-finite values of `total` in model `modelName`'s output (also counted on the GPU). */
export function nonFiniteError(modelName: string, bad: number, total: number): NonFiniteOutputError {
  return new NonFiniteOutputError(
    `model "${modelName}" produced NaN or infinite values (${bad} of ${total} in its output), so its picture cannot be shown. ` +
      'Its weights or its export are broken: re-export the model, or choose another one',
  );
}
