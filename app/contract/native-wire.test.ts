import { describe, expect, it } from 'vitest';
import { decodeFromHost, decodeFromPage, encodeNativeMessage, joinParts, NativeWireError } from './native-wire';

/** A frame whose header is `header` (any JSON text) followed by `body` bytes, laid out as the codec lays them out. */
function rawFrame(header: string, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const bytes = new TextEncoder().encode(header);
  const start = new Uint8Array((8 + bytes.length + 3) & ~3);
  start.set([0x4c, 0x53, 0x4e, 0x31]);
  new DataView(start.buffer).setUint32(4, bytes.length, true);
  start.set(bytes, 8);
  return joinParts([start, body]);
}

describe('native wire frames', () => {
  it('carries a run and its answer with their tensors and pixels intact', () => {
    const ws = Float32Array.from({ length: 37 }, (_, i) => i / 7 - 2);
    const noise = Float32Array.of(Number.NaN, -0, 3e38);
    const run = { type: 'run-pixels', id: 7, graph: 'synthesis', output: 'img', range: [-1, 1], feeds: { ws: { data: ws, dims: [1, 37] }, noise: { data: noise, dims: [3] } } } as const;
    const back = decodeFromPage(joinParts(encodeNativeMessage({ ...run, range: [-1, 1] })));
    expect(back).toEqual({ ...run, range: [-1, 1] });
    expect(Array.from(back.feeds.noise!.data)).toEqual([Number.NaN, -0, Math.fround(3e38)]);

    const data = Uint8ClampedArray.from({ length: 3 * 2 * 4 }, (_, i) => (i * 37) % 256);
    const pixels = decodeFromHost(joinParts(encodeNativeMessage({ type: 'pixels', id: 7, width: 3, height: 2, data })));
    expect(pixels).toEqual({ type: 'pixels', id: 7, width: 3, height: 2, data });
    const failed = { type: 'failed', id: 2, name: 'ShapeError', message: 'input "ws" — ψ must be [1, 18, 512]' } as const;
    expect(decodeFromHost(joinParts(encodeNativeMessage(failed)))).toEqual(failed);
    // Inputs the host kept from the socket's last request travel as names.
    const kept = { type: 'run', id: 8, graph: 'synthesis', feeds: { ws: { data: ws, dims: [1, 37] } }, kept: ['noise'] } as const;
    expect(decodeFromPage(joinParts(encodeNativeMessage({ ...kept, kept: ['noise'] })))).toEqual(kept);
  });

  it('reads a frame that starts at an odd offset (a slice of a socket buffer) by copying it', () => {
    const frame = joinParts(encodeNativeMessage({ type: 'result', id: 1, outputs: { ws: { data: Float32Array.of(1.5, 2.5), dims: [2] } } }));
    const odd = new Uint8Array(frame.length + 1).subarray(1);
    odd.set(frame);
    expect(decodeFromHost(odd)).toMatchObject({ outputs: { ws: { data: Float32Array.of(1.5, 2.5) } } });
  });

  it('refuses frames that are not native messages, saying why', () => {
    const blob = new Uint8Array(8);
    const cases: [Uint8Array, RegExp][] = [
      [Uint8Array.of(1, 2, 3), /no LSN1 magic/],
      [Uint8Array.of(0x4c, 0x53, 0x4e, 0x31, 0xff, 0xff, 0, 0), /runs past the frame/],
      [rawFrame('{not json'), /header is not a native header/],
      [rawFrame('{"message":{"type":"run"},"blobs":[],"extra":1}'), /header is not a native header/],
      [rawFrame('{"message":{"type":"open","id":1,"dir":"/","options":{}},"blobs":[]}'), /not a native message: type/],
      [rawFrame('{"message":{"type":"run","id":1,"graph":"g","feeds":{"x":{"data":{"$blob":0},"dims":[2]}}},"blobs":[{"kind":"f32","offset":0,"length":4}]}', blob), /blob 0 .* outside the frame/],
      [rawFrame('{"message":{"type":"run","id":1,"graph":"g","feeds":{"x":{"data":{"$blob":0},"dims":[3]}}},"blobs":[{"kind":"f32","offset":0,"length":2}]}', blob), /product of dims/],
      [rawFrame('{"message":{"type":"run","id":1,"graph":"g","feeds":{"x":{"data":{"$blob":1},"dims":[2]}}},"blobs":[{"kind":"f32","offset":0,"length":2}]}', blob), /bad blob reference/],
      [rawFrame('{"message":{"type":"run","id":1,"graph":"g","feeds":{"x":{"data":[1,2],"dims":[2]}}},"blobs":[{"kind":"f32","offset":0,"length":2}]}', blob), /blobs its message does not use/],
      [rawFrame('{"message":{"type":"run","id":1,"graph":"g","feeds":{"x":{"data":[1,2],"dims":[2]}}},"blobs":[]}'), /not a native message/],
      [rawFrame('{"message":{"type":"run","id":-1,"graph":"g","feeds":{}},"blobs":[]}'), /not a native message: id/],
      [rawFrame('{"message":{"type":"run-pixels","id":1,"graph":"g","feeds":{},"output":"img","range":[1,-1]},"blobs":[]}'), /range/],
      [rawFrame('{"message":{"type":"run","id":1,"graph":"g","feeds":{},"kept":[3]},"blobs":[]}'), /not a native message: kept/],
      [rawFrame('{"message":{"type":"run","id":1,"graph":"g","feeds":{},"kept":"ws"},"blobs":[]}'), /not a native message: kept/],
    ];
    for (const [frame, why] of cases) expect(() => decodeFromPage(frame), String(why)).toThrow(why);
    expect(() => decodeFromPage(Uint8Array.of(1))).toThrow(NativeWireError);
    // Pixels whose length is not width·height·4 are refused on the page's side.
    const short = joinParts(encodeNativeMessage({ type: 'pixels', id: 1, width: 2, height: 2, data: new Uint8ClampedArray(15) }));
    expect(() => decodeFromHost(short)).toThrow(/width·height·4/);
    // A host answer is not a page request, and the other way round.
    expect(() => decodeFromPage(joinParts(encodeNativeMessage({ type: 'failed', id: 1, name: 'E', message: 'm' })))).toThrow(NativeWireError);
    expect(() => decodeFromHost(joinParts(encodeNativeMessage({ type: 'run', id: 1, graph: 'g', feeds: {} })))).toThrow(NativeWireError);
  });

  it('refuses to encode typed arrays the other end cannot read back', () => {
    expect(() => encodeNativeMessage({ type: 'run', id: 1, graph: 'g', feeds: { x: { data: new Int32Array(2) as unknown as Float32Array, dims: [2] } } })).toThrow(NativeWireError);
  });
});
