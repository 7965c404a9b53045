/**
 * The native path's messages (native.ts) as bytes, for the browser host's WebSocket
 * (main/web/native-socket.ts ↔ renderer/inference/native-socket.ts), which carries bytes, not
 * structured clones. One message per binary frame: a JSON header with every typed array replaced by
 * a reference into the bytes that follow, so tensors and pixels cross without a JSON number in
 * sight and are read in place where aligned. Both ends refuse a frame that is not exactly such a
 * message (wrong magic, lengths past the end, unknown types, data that disagrees with its dims):
 * the host reads them from a page, the page from a socket.
 *
 * Layout (little-endian): "LSN1", u32 header length, header (UTF-8 JSON `{ message, blobs }`),
 * zero padding to a multiple of 4, then each blob, each starting at a multiple of 4 from the start.
 */
import { z } from 'zod';
import type { FromNative, ToNative } from './native';

/** Raised for a frame that is not a native message; the message says what is wrong with it. */
export class NativeWireError extends Error {
  override readonly name = 'NativeWireError';
}

const MAGIC = [0x4c, 0x53, 0x4e, 0x31]; // "LSN1"
/** Headers carry names, dims and short messages; anything near this is not one of ours. */
const MAX_HEADER_BYTES = 1 << 20;

/** TextEncoder/TextDecoder exist in every runtime the studio runs in; app/ is typed without DOM or Node. */
const text = globalThis as unknown as {
  TextEncoder: new () => { encode(s: string): Uint8Array };
  TextDecoder: new (label: string, options: { fatal: boolean }) => { decode(b: Uint8Array): string };
};

type BlobKind = 'f32' | 'u8c';
interface BlobRef {
  kind: BlobKind;
  offset: number;
  length: number;
}

const align4 = (n: number) => (n + 3) & ~3;

/**
 * Encode `message` as the parts of one frame, in order (concatenate them, or write them one after
 * another): the typed arrays are passed through, not copied.
 */
export function encodeNativeMessage(message: ToNative | FromNative): Uint8Array[] {
  const arrays: (Float32Array | Uint8ClampedArray)[] = [];
  const blobs: BlobRef[] = [];
  let offset = 0;
  const json = JSON.stringify(message, (_key, value: unknown) => {
    if (value instanceof Float32Array || value instanceof Uint8ClampedArray) {
      blobs.push({ kind: value instanceof Float32Array ? 'f32' : 'u8c', offset, length: value.length });
      offset = align4(offset + value.byteLength);
      arrays.push(value);
      return { $blob: blobs.length - 1 };
    }
    if (ArrayBuffer.isView(value)) throw new NativeWireError('only Float32Array and Uint8ClampedArray data can be sent');
    return value;
  });
  const header = new text.TextEncoder().encode(`{"message":${json},"blobs":${JSON.stringify(blobs)}}`);
  const start = new Uint8Array(align4(8 + header.length));
  start.set(MAGIC, 0);
  new DataView(start.buffer).setUint32(4, header.length, true);
  start.set(header, 8);
  const parts: Uint8Array[] = [start];
  for (const array of arrays) {
    parts.push(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    const pad = align4(array.byteLength) - array.byteLength;
    if (pad) parts.push(new Uint8Array(pad));
  }
  return parts;
}

/** One frame's bytes from its parts. */
export function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const blobRefSchema = z.object({ kind: z.enum(['f32', 'u8c']), offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() }).strict();
const headerSchema = z.object({ message: z.unknown(), blobs: z.array(blobRefSchema).max(4096) }).strict();

const dimsSchema = z.array(z.number().int().nonnegative()).max(8);
const tensorSchema = z
  .object({ data: z.instanceof(Float32Array), dims: dimsSchema })
  .strict()
  .refine((t) => t.dims.reduce((a, b) => a * b, 1) === t.data.length, { message: 'data length differs from the product of dims' });
const feedsSchema = z.record(z.string().max(256), tensorSchema);
const id = z.number().int().nonnegative();
const graph = z.string().min(1).max(256);
const range = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => Number.isFinite(lo) && Number.isFinite(hi) && hi > lo, { message: 'range must be [lo, hi] with lo < hi' });

/**
 * What a page may send over the socket: runs only. Opening a model is the host's business (the
 * page names a model id in the socket's URL, never a folder on disk).
 */
const kept = z.array(z.string().min(1).max(256)).max(256).optional();
const fromPageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run'), id, graph, feeds: feedsSchema, kept }).strict(),
  z.object({ type: z.literal('run-pixels'), id, graph, feeds: feedsSchema, kept, output: graph, range }).strict(),
]);

const providerSchema = z.enum(['cuda', 'dml', 'coreml', 'cpu']);
const fromHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), onnxruntime: z.string(), supported: z.array(z.string()) }).strict(),
  z.object({ type: z.literal('opened'), id, modelId: z.string(), provider: providerSchema, fallbackReason: z.string().nullable() }).strict(),
  z.object({ type: z.literal('result'), id, outputs: feedsSchema }).strict(),
  z
    .object({ type: z.literal('pixels'), id, width: z.number().int().positive(), height: z.number().int().positive(), data: z.instanceof(Uint8ClampedArray) })
    .strict()
    .refine((m) => m.data.length === m.width * m.height * 4, { message: 'pixel data length differs from width·height·4' }),
  z.object({ type: z.literal('failed'), id, name: z.string(), message: z.string() }).strict(),
]);

/** The message a page sent, or {@link NativeWireError}. */
export function decodeFromPage(frame: Uint8Array): Extract<ToNative, { type: 'run' | 'run-pixels' }> {
  return parse(fromPageSchema, decode(frame)) as Extract<ToNative, { type: 'run' | 'run-pixels' }>;
}

/** The message the host sent, or {@link NativeWireError}. */
export function decodeFromHost(frame: Uint8Array): FromNative {
  return parse(fromHostSchema, decode(frame)) as FromNative;
}

function parse(schema: z.ZodTypeAny, value: unknown): unknown {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new NativeWireError(`not a native message: ${issue.path.join('.') || 'message'}: ${issue.message}`);
  }
  return result.data;
}

function decode(frame: Uint8Array): unknown {
  if (frame.length < 8 || MAGIC.some((b, i) => frame[i] !== b)) throw new NativeWireError('not a native message frame (no LSN1 magic)');
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(4, true);
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > frame.length) throw new NativeWireError(`header length ${headerLength} runs past the frame (${frame.length} bytes)`);
  let header: z.infer<typeof headerSchema>;
  try {
    header = headerSchema.parse(JSON.parse(new text.TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(8, 8 + headerLength))));
  } catch (error) {
    throw new NativeWireError(`the frame's header is not a native header: ${(error as Error).message.split('\n')[0]}`);
  }
  const body = align4(8 + headerLength);
  // Views need 4-byte alignment; a frame that starts unaligned (a slice of a socket buffer) is copied once.
  const bytes = (frame.byteOffset & 3) === 0 ? frame : frame.slice();
  const arrays = header.blobs.map((ref, i) => {
    const size = ref.kind === 'f32' ? ref.length * 4 : ref.length;
    const start = body + ref.offset;
    if ((ref.offset & 3) !== 0 || start + size > bytes.length) throw new NativeWireError(`blob ${i} (${size} bytes at ${ref.offset}) lies outside the frame`);
    return ref.kind === 'f32' ? new Float32Array(bytes.buffer, bytes.byteOffset + start, ref.length) : new Uint8ClampedArray(bytes.buffer, bytes.byteOffset + start, ref.length);
  });
  const used = new Set<number>();
  const revive = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(revive);
    if (value && typeof value === 'object') {
      const blob = (value as { $blob?: unknown }).$blob;
      if (blob !== undefined) {
        if (typeof blob !== 'number' || !arrays[blob] || used.has(blob) || Object.keys(value).length !== 1) throw new NativeWireError(`bad blob reference ${JSON.stringify(value)}`);
        used.add(blob);
        return arrays[blob];
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
    }
    return value;
  };
  const message = revive(header.message);
  if (used.size !== arrays.length) throw new NativeWireError('the frame carries blobs its message does not use');
  return message;
}
