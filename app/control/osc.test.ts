/**
 * The OSC decoder on packets written out byte by byte here (addresses, type tags, big-endian
 * numbers, padding), including bundles and broken packets, which must throw rather than decode.
 */
import { describe, expect, it } from 'vitest';
import { decodeOscPacket, MAX_OSC_BUNDLE_DEPTH, OscDecodeError, oscNumber } from './osc';

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
/** `text`, its NUL and the NULs that pad it to 4 bytes. */
const oscString = (text: string) => {
  const bytes = [...ascii(text), 0];
  while (bytes.length % 4 !== 0) bytes.push(0);
  return bytes;
};
const int32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const packet = (...parts: number[][]) => Uint8Array.from(parts.flat());

describe('decodeOscPacket', () => {
  it('reads /latent/psi with a float32 0.7', () => {
    // 0.7f = 0x3F333333
    const bytes = packet(oscString('/latent/psi'), oscString(',f'), [0x3f, 0x33, 0x33, 0x33]);
    expect(bytes.length).toBe(12 + 4 + 4);
    const [message] = decodeOscPacket(bytes);
    expect(message!.address).toBe('/latent/psi');
    expect(message!.args).toHaveLength(1);
    expect(message!.args[0]!.type).toBe('f');
    expect(message!.args[0]!.value).toBeCloseTo(0.7, 6);
  });

  it('reads int32 (negative too), float64, strings and T/F', () => {
    // 1.5 as float64 = 0x3FF8000000000000
    const bytes = packet(oscString('/x'), oscString(',iidsTF'), int32(42), int32(-2), [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], oscString('abc'));
    expect(decodeOscPacket(bytes)).toEqual([
      {
        address: '/x',
        args: [
          { type: 'i', value: 42 },
          { type: 'i', value: -2 },
          { type: 'd', value: 1.5 },
          { type: 's', value: 'abc' },
          { type: 'T', value: true },
          { type: 'F', value: false },
        ],
      },
    ]);
  });

  it('reads a message with no type tag string as one without arguments', () => {
    expect(decodeOscPacket(packet(oscString('/timeline/play')))).toEqual([{ address: '/timeline/play', args: [] }]);
  });

  it('flattens bundles, nested ones included, in order', () => {
    const inner = packet(oscString('/latent/seed'), oscString(',i'), int32(7));
    const innerBundle = packet(oscString('#bundle'), int32(0), int32(1), int32(inner.length), [...inner]);
    const play = packet(oscString('/timeline/play'), oscString(','));
    const bytes = packet(oscString('#bundle'), int32(0), int32(1), int32(play.length), [...play], int32(innerBundle.length), [...innerBundle]);
    expect(decodeOscPacket(bytes)).toEqual([
      { address: '/timeline/play', args: [] },
      { address: '/latent/seed', args: [{ type: 'i', value: 7 }] },
    ]);
  });

  it('reads an empty bundle as no messages', () => {
    expect(decodeOscPacket(packet(oscString('#bundle'), int32(0), int32(1)))).toEqual([]);
  });

  const broken: Array<[string, Uint8Array]> = [
    ['an empty packet', packet()],
    ['a truncated float', packet(oscString('/latent/psi'), oscString(',f'), [0x3f, 0x33])],
    ['a float tag with no bytes', packet(oscString('/latent/psi'), oscString(',f'))],
    ['a missing NUL', packet(ascii('/lat'))],
    ['bad padding', packet(ascii('/ab'), [0], ascii(',f'), [0, 1], int32(1))],
    ['an address without "/"', packet(oscString('latent'), oscString(','))],
    ['type tags without ","', packet(oscString('/x'), oscString('f'), int32(1))],
    ['an unknown type tag', packet(oscString('/x'), oscString(',b'), int32(4), int32(0))],
    ['bytes after the arguments', packet(oscString('/x'), oscString(',i'), int32(1), int32(2))],
    ['a non-ASCII address', packet([0x2f, 0xc3, 0xa9, 0])],
    ['a length not a multiple of 4', packet(oscString('/x'), [0])],
    ['a "#" that is not a bundle', packet(oscString('#bungle'), int32(0), int32(0))],
    ['a bundle without its time tag', packet(oscString('#bundle'), int32(0))],
    ['a bundle element larger than the packet', packet(oscString('#bundle'), int32(0), int32(0), int32(64), oscString('/x'))],
    ['a bundle element of size 0', packet(oscString('#bundle'), int32(0), int32(0), int32(0))],
    ['a bundle element of odd size', packet(oscString('#bundle'), int32(0), int32(0), int32(6), oscString('/x'), [0, 0, 0, 0])],
    ['an oversized datagram', new Uint8Array(70_000)],
  ];
  for (const [what, bytes] of broken) {
    it(`refuses ${what}`, () => {
      expect(() => decodeOscPacket(bytes)).toThrow(OscDecodeError);
    });
  }

  it(`refuses bundles nested deeper than ${MAX_OSC_BUNDLE_DEPTH}`, () => {
    let element = packet(oscString('/x'), oscString(','));
    for (let depth = 0; depth <= MAX_OSC_BUNDLE_DEPTH; depth += 1) element = packet(oscString('#bundle'), int32(0), int32(0), int32(element.length), [...element]);
    expect(() => decodeOscPacket(element)).toThrow(/nested/);
  });

  it('refuses a whole bundle when one element is broken', () => {
    const good = packet(oscString('/timeline/play'), oscString(','));
    const bad = packet(oscString('/latent/psi'), oscString(',f'));
    const bytes = packet(oscString('#bundle'), int32(0), int32(0), int32(good.length), [...good], int32(bad.length), [...bad]);
    expect(() => decodeOscPacket(bytes)).toThrow(OscDecodeError);
  });
});

describe('oscNumber', () => {
  it('reads the first argument as a number, T/F as 1/0, and nothing else', () => {
    expect(oscNumber({ address: '/a', args: [{ type: 'i', value: 3 }] })).toBe(3);
    expect(oscNumber({ address: '/a', args: [{ type: 'T', value: true }] })).toBe(1);
    expect(oscNumber({ address: '/a', args: [{ type: 'F', value: false }] })).toBe(0);
    expect(oscNumber({ address: '/a', args: [{ type: 's', value: '3' }] })).toBeNull();
    expect(oscNumber({ address: '/a', args: [] })).toBeNull();
    expect(oscNumber({ address: '/a', args: [{ type: 'f', value: Number.NaN }] })).toBeNull();
  });
});
