/**
 * Inflating untrusted data without trusting it: fflate's one-shot inflate grows its output for as
 * long as the input asks, so a few kilobytes can demand gigabytes. {@link inflateBounded} feeds the
 * stream in steps small enough that no step can overshoot the limit by more than a few MiB, and
 * stops with {@link InflateError} the moment the output passes it.
 */
import { Inflate, Unzlib } from 'fflate';
import { formatBytes, MAX_DEFLATE_RATIO } from './limits';

/** Why {@link inflateBounded} refused: the output passed the limit, or the data is not valid compressed data. */
export type InflateFailure = 'too-large' | 'corrupt';

/** Raised by {@link inflateBounded}; the message names the data and what went wrong, the caller adds what to do. */
export class InflateError extends Error {
  override readonly name = 'InflateError';
  constructor(
    message: string,
    readonly reason: InflateFailure,
  ) {
    super(message);
  }
}

/** Options of {@link inflateBounded}. */
export interface InflateOptions {
  /** The most bytes the output may have (one of the constants in limits.ts, or less). */
  readonly limit: number;
  /** What is being inflated, for messages ("iTXt chunk \"x\"", "weights.npy in the archive"). */
  readonly what: string;
  /** 'deflate' (raw, as in zip entries) or 'zlib' (with its 2-byte header, as in PNG). Default 'deflate'. */
  readonly format?: 'deflate' | 'zlib';
}

/** Input fed per step never goes below this, so a stream near its limit still moves quickly. */
const MIN_STEP = 4096;
/** Nor above this, so the output of one step stays a modest allocation. */
const MAX_STEP = 1 << 20;

/**
 * Inflate `data`, refusing with {@link InflateError} ('too-large') as soon as the output would pass
 * `limit` bytes, or ('corrupt') when it is not valid deflate/zlib data or ends early.
 */
export function inflateBounded(data: Uint8Array, { limit, what, format = 'deflate' }: InflateOptions): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const tooLarge = () => new InflateError(`${what} inflates to more than ${formatBytes(limit)}, the most it may have: it is damaged or built to exhaust memory`, 'too-large');
  const sink = (chunk: Uint8Array) => {
    total += chunk.length;
    if (total > limit) throw tooLarge();
    chunks.push(chunk);
  };
  const stream = format === 'zlib' ? new Unzlib(sink) : new Inflate(sink);
  try {
    let at = 0;
    do {
      // Deflate emits at most MAX_DEFLATE_RATIO bytes per input byte, so this step fits what is left.
      const step = Math.min(MAX_STEP, Math.max(MIN_STEP, Math.floor((limit - total) / MAX_DEFLATE_RATIO)));
      const end = Math.min(data.length, at + step);
      stream.push(data.subarray(at, end), end === data.length);
      at = end;
    } while (at < data.length);
  } catch (error) {
    if (error instanceof InflateError) throw error;
    throw new InflateError(`${what} is corrupt: its compressed data does not inflate (${(error as Error).message})`, 'corrupt');
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
