import { describe, expect, it } from 'vitest';
import { CLOSE, encodeFrame, FrameReader, OPCODE } from './websocket';

const bytes = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 13) % 256));
const frame = (opcode: number, payload: Uint8Array, mask: boolean) => Buffer.concat(encodeFrame(opcode, [payload], mask));

describe('WebSocket frames (RFC 6455)', () => {
  it('reads back masked frames of every length encoding, split at any byte', () => {
    for (const n of [0, 125, 126, 65535, 65536, 300_000]) {
      const wire = frame(OPCODE.binary, bytes(n), true);
      const reader = new FrameReader(true, 1 << 20);
      const events = [];
      for (let at = 0; at < wire.length; at += 4093) events.push(...reader.push(wire.subarray(at, at + 4093)));
      expect(events.map((e) => e.kind === 'message' && e.opcode), `length ${n}`).toEqual([OPCODE.binary]);
      // Buffer.equals, not toEqual: a deep comparison of 300 kB byte by byte takes seconds.
      expect(events[0]!.kind === 'message' && events[0]!.data.equals(bytes(n)), `length ${n}`).toBe(true);
    }
  });

  it('reassembles a fragmented message around a ping', () => {
    const first = frame(OPCODE.binary, bytes(10), true);
    first[0] = OPCODE.binary; // FIN clear
    const last = frame(OPCODE.continuation, bytes(5), true);
    const ping = frame(OPCODE.ping, Buffer.from('hi'), true);
    const events = new FrameReader(true, 1 << 20).push(Buffer.concat([first, ping, last]));
    expect(events).toEqual([
      { kind: 'message', opcode: OPCODE.ping, data: Buffer.from('hi') },
      { kind: 'message', opcode: OPCODE.binary, data: Buffer.concat([bytes(10), bytes(5)]) },
    ]);
  });

  it('refuses unmasked client frames, masked server frames, oversized messages and bad control frames', () => {
    expect(new FrameReader(true, 100).push(frame(OPCODE.binary, bytes(4), false))).toEqual([{ kind: 'error', code: CLOSE.protocolError, reason: 'client frames must be masked' }]);
    expect(new FrameReader(false, 100).push(frame(OPCODE.binary, bytes(4), true))).toEqual([{ kind: 'error', code: CLOSE.protocolError, reason: 'server frames must not be masked' }]);
    expect(new FrameReader(true, 100).push(frame(OPCODE.binary, bytes(101), true))[0]).toMatchObject({ kind: 'error', code: CLOSE.tooBig });
    expect(new FrameReader(true, 1 << 20).push(frame(OPCODE.ping, bytes(126), true))[0]).toMatchObject({ kind: 'error', code: CLOSE.protocolError });
    const reserved = frame(OPCODE.binary, bytes(1), true);
    reserved[0]! |= 0x40;
    expect(new FrameReader(true, 100).push(reserved)[0]).toMatchObject({ kind: 'error', reason: /reserved bits/ });
    expect(new FrameReader(true, 100).push(frame(0x3, bytes(1), true))[0]).toMatchObject({ kind: 'error', reason: 'unknown opcode 3' });
    expect(new FrameReader(true, 100).push(frame(OPCODE.continuation, bytes(1), true))[0]).toMatchObject({ kind: 'error', reason: /continuation/ });
  });
});
