import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { strToU8, unzlibSync, zlibSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { PROVENANCE_KEYWORD, PngError, addITxt, crc32, decodePng, encodePng, readITxt, readPngChunks } from './png';
import { python, pythonMissing } from '../../test-support/python';
import { chunk, concat, rebuild } from '../../test-support/png-chunks';

const PNGIO = path.resolve(__dirname, '../../models/tools/pngio.py');
const EMOJI = path.resolve(__dirname, '../../models/tools/node_modules');

const referenceMissing = pythonMissing('numpy', 'zlib') || (existsSync(PNGIO) ? '' : `${PNGIO} is missing`);

const tmp = mkdtempSync(path.join(tmpdir(), 'png-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


function ihdr(width: number, height: number, depth: number, colorType: number, interlace = 0): Uint8Array {
  const data = new Uint8Array(13);
  new DataView(data.buffer).setUint32(0, width);
  new DataView(data.buffer).setUint32(4, height);
  data.set([depth, colorType, 0, 0, interlace], 8);
  return data;
}

/** A smooth gradient with noise: rows where every filter type has something to win. */
function sampleImage(width: number, height: number, channels: number): Uint8Array {
  const px = new Uint8Array(width * height * channels);
  for (let i = 0; i < px.length; i++) {
    const p = Math.floor(i / channels);
    px[i] = ((p % width) * 7 + Math.floor(p / width) * 3 + (i % channels) * 40 + ((i * 2654435761) >>> 28)) & 0xff;
  }
  return px;
}

function expectOnlyPngError(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PngError);
  }
}

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(strToU8('123456789'))).toBe(0xcbf43926);
    expect(crc32(strToU8('IEND'))).toBe(0xae426082);
    expect(crc32(strToU8('56789'), crc32(strToU8('1234')))).toBe(0xcbf43926);
  });
});

describe('encodePng / decodePng', () => {
  it('round-trips RGB and RGBA images of any size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 17 }),
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom(3, 4),
        fc.boolean(),
        fc.infiniteStream(fc.integer({ min: 0, max: 255 })),
        (width, height, channels, smooth, noise) => {
          const px = smooth ? sampleImage(width, height, channels) : Uint8Array.from(noise.take(width * height * channels));
          const image = decodePng(encodePng(px, width, height));
          expect(image).toEqual({ width, height, channels, data: px });
        },
      ),
    );
  });

  it('writes IHDR, text, IDAT, IEND and picks more than one filter type on a real image', () => {
    const png = encodePng(sampleImage(40, 30, 4), 40, 30, { text: { a: '1', b: '2' } });
    const chunks = readPngChunks(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'iTXt', 'iTXt', 'IDAT', 'IEND']);
    const raw = unzlibSync(chunks[3]!.data);
    const filters = new Set(Array.from({ length: 30 }, (_, y) => raw[y * (40 * 4 + 1)]));
    expect(filters.size).toBeGreaterThan(1);
  });

  it('accepts a Uint8ClampedArray, as canvas ImageData holds', () => {
    const px = new Uint8ClampedArray(sampleImage(5, 4, 4));
    expect(decodePng(encodePng(px, 5, 4)).data).toEqual(Uint8Array.from(px));
  });

  it('refuses sizes that do not fit the pixels', () => {
    expect(() => encodePng(new Uint8Array(10), 2, 2)).toThrow(/pass 16 \(RGBA\) or 12 \(RGB\) bytes/);
    expect(() => encodePng(new Uint8Array(0), 0, 0)).toThrow(PngError);
    expect(() => encodePng(new Uint8Array(6), 1.5, 1)).toThrow(PngError);
  });

  it('decodes grey, grey + alpha and palette images at every bit depth it supports', () => {
    const idat = (rows: number[][]) => zlibSync(Uint8Array.from(rows.flatMap((r) => [0, ...r])));
    const iend = chunk('IEND', new Uint8Array(0));
    const sig = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
    // 3×1 grey at 2 bits: samples 3, 1, 2 packed MSB first → 0b11_01_10_00.
    const grey2 = concat(sig, chunk('IHDR', ihdr(3, 1, 2, 0)), chunk('IDAT', idat([[0b11011000]])), iend);
    expect(decodePng(grey2)).toEqual({ width: 3, height: 1, channels: 3, data: Uint8Array.of(255, 255, 255, 85, 85, 85, 170, 170, 170) });
    const greyAlpha = concat(sig, chunk('IHDR', ihdr(1, 1, 8, 4)), chunk('IDAT', idat([[9, 200]])), iend);
    expect(decodePng(greyAlpha).data).toEqual(Uint8Array.of(9, 9, 9, 200));
    // 4-bit palette with transparency on entry 0 only.
    const plte = chunk('PLTE', Uint8Array.of(1, 2, 3, 4, 5, 6));
    const trns = chunk('tRNS', Uint8Array.of(0));
    const pal4 = concat(sig, chunk('IHDR', ihdr(3, 1, 4, 3)), plte, trns, chunk('IDAT', idat([[0x10, 0x10]])), iend);
    expect(decodePng(pal4)).toEqual({ width: 3, height: 1, channels: 4, data: Uint8Array.of(4, 5, 6, 255, 1, 2, 3, 0, 4, 5, 6, 255) });
    const badIndex = concat(sig, chunk('IHDR', ihdr(1, 1, 8, 3)), plte, chunk('IDAT', idat([[7]])), iend);
    expect(() => decodePng(badIndex)).toThrow(/palette index 7/);
  });

  it('refuses 16-bit and interlaced files with what to do', () => {
    const sig = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
    const tail = concat(chunk('IDAT', zlibSync(new Uint8Array(7))), chunk('IEND', new Uint8Array(0)));
    expect(() => decodePng(concat(sig, chunk('IHDR', ihdr(1, 1, 16, 2)), tail))).toThrow(/re-save the image with 8-bit/);
    expect(() => decodePng(concat(sig, chunk('IHDR', ihdr(1, 1, 8, 2, 1)), tail))).toThrow(/without interlacing/);
    expect(() => decodePng(concat(sig, chunk('IHDR', ihdr(1, 1, 4, 2)), tail))).toThrow(PngError);
  });
});

describe('readPngChunks', () => {
  const png = encodePng(sampleImage(6, 5, 3), 6, 5);

  it('names what is wrong: signature, truncation, CRC', () => {
    expect(() => readPngChunks(strToU8('GIF89a....'))).toThrow(/PNG signature is missing/);
    expect(() => readPngChunks(png.subarray(0, png.length - 1))).toThrow(/truncated/);
    const flipped = png.slice();
    flipped[20] ^= 1; // inside IHDR
    expect(() => readPngChunks(flipped)).toThrow(/IHDR at byte 8 fails its CRC check/);
  });

  it('ignores bytes after IEND', () => {
    expect(readPngChunks(concat(png, strToU8('trailing'))).map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  });
});

describe('iTXt', () => {
  const png = encodePng(sampleImage(4, 4, 4), 4, 4);

  it('writes and reads UTF-8 text through encodePng and addITxt', () => {
    const record = JSON.stringify({ model: 'emoji', seed: 42, psi: 0.7, note: 'ψ → 😀' });
    expect(readITxt(encodePng(sampleImage(2, 2, 3), 2, 2, { text: { [PROVENANCE_KEYWORD]: record } }), PROVENANCE_KEYWORD)).toBe(record);
    const tagged = addITxt(png, PROVENANCE_KEYWORD, record);
    expect(readITxt(tagged, PROVENANCE_KEYWORD)).toBe(record);
    expect(readITxt(tagged, 'other')).toBeUndefined();
    expect(readPngChunks(tagged).map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'iTXt', 'IEND']);
    expect(decodePng(tagged)).toEqual(decodePng(png));
  });

  it('replaces a record with the same keyword and keeps the others', () => {
    const twice = addITxt(addITxt(addITxt(png, 'Comment', 'keep'), PROVENANCE_KEYWORD, 'old'), PROVENANCE_KEYWORD, 'new');
    expect(readITxt(twice, PROVENANCE_KEYWORD)).toBe('new');
    expect(readITxt(twice, 'Comment')).toBe('keep');
    expect(readPngChunks(twice).filter((c) => c.type === 'iTXt')).toHaveLength(2);
  });

  it('reads compressed iTXt with language tags, as other tools write it', () => {
    const body = concat(strToU8('Title\0', true), Uint8Array.of(1, 0), strToU8('en\0Titel\0'), zlibSync(strToU8('Grüße 🌍')));
    const chunks = readPngChunks(png);
    const file = rebuild([...chunks.slice(0, -1), { type: 'iTXt', data: body }, chunks.at(-1)!]);
    expect(readITxt(file, 'Title')).toBe('Grüße 🌍');
  });

  it('refuses keywords PNG does not allow', () => {
    for (const bad of ['', ' lead', 'trail ', 'two  spaces', 'x'.repeat(80), 'ψ', 'tab\t']) {
      expect(() => addITxt(png, bad, 'x')).toThrow(PngError);
    }
    expect(() => encodePng(sampleImage(1, 1, 3), 1, 1, { text: { '': 'x' } })).toThrow(/invalid PNG text keyword/);
  });

  it('reports a malformed chunk under the keyword asked for', () => {
    const chunks = readPngChunks(png);
    const file = rebuild([...chunks.slice(0, -1), { type: 'iTXt', data: strToU8('key\0', true) }, chunks.at(-1)!]);
    expect(() => readITxt(file, 'key')).toThrow(/iTXt chunk "key" is malformed/);
  });
});

describe('malformed input throws PngError only', () => {
  const png = addITxt(encodePng(sampleImage(9, 7, 4), 9, 7), PROVENANCE_KEYWORD, '{"seed":1}');
  const everything = (bytes: Uint8Array) => {
    expectOnlyPngError(() => readPngChunks(bytes));
    expectOnlyPngError(() => decodePng(bytes));
    expectOnlyPngError(() => readITxt(bytes, PROVENANCE_KEYWORD));
    expectOnlyPngError(() => addITxt(bytes, PROVENANCE_KEYWORD, 'x'));
  };

  it('on arbitrary bytes, with or without a PNG signature', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, signed) => {
        everything(signed ? concat(png.subarray(0, 8), bytes) : bytes);
      }),
    );
  });

  it('on truncated files', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: png.length - 1 }), (n) => everything(png.subarray(0, n))));
  });

  it('on bit flips', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(png.length - 1), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const bytes = png.slice();
        for (const [at, bit] of flips) bytes[at] ^= 1 << bit;
        everything(bytes);
      }),
    );
  });

  it('on chunk payloads mutated behind valid CRCs', () => {
    const chunks = readPngChunks(png);
    fc.assert(
      fc.property(
        fc.nat(chunks.length - 2),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat()),
        (index, edits, cut) => {
          const data = chunks[index]!.data.slice(0, cut === null ? undefined : cut % (chunks[index]!.data.length + 1));
          for (const [at, value] of edits) if (data.length) data[at % data.length] = value;
          const mutated = chunks.map((c, i) => (i === index ? { type: c.type, data } : c));
          everything(rebuild(mutated));
        },
      ),
    );
  });

  it('on IHDR fields set to extreme values', () => {
    const chunks = readPngChunks(png);
    const side = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0x7fffffff, 0x80000000, 0xffffffff, 1 << 20));
    fc.assert(
      fc.property(side, side, fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (w, h, depth, type) => {
        const header = new Uint8Array(13);
        new DataView(header.buffer).setUint32(0, w);
        new DataView(header.buffer).setUint32(4, h);
        header.set([depth, type], 8);
        everything(rebuild([{ type: 'IHDR', data: header }, ...chunks.slice(1)]));
      }),
    );
  });
});

describe.skipIf(referenceMissing !== '')('against Python (zlib + numpy + models/tools/pngio.py)', () => {
  it('decodes PNGs written with each filter type forced, in every colour type', () => {
    const script = String.raw`
import sys, struct, zlib, numpy as np
out = sys.argv[1]
def paeth(a, b, c):
    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)
def filt(t, row, prev, bpp):
    res = bytearray()
    for x in range(len(row)):
        a = row[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][t]
        res.append((row[x] - pred) & 255)
    return bytes(res)
def chunk(t, body):
    return struct.pack('>I', len(body)) + t + body + struct.pack('>I', zlib.crc32(t + body))
rng = np.random.default_rng(7)
for ctype, ch in [(0, 1), (2, 3), (4, 2), (6, 4), (3, 1)]:
    for t in range(5):
        h, w = 6, 11
        base = np.add.outer(np.arange(h) * 9, np.arange(w) * 5)[..., None] + np.arange(ch) * 60
        img = ((base + rng.integers(0, 4, (h, w, ch))) % 256).astype(np.uint8)
        if ctype == 3: img %= 4
        raw = b''; prev = bytes(w * ch)
        for y in range(h):
            row = img[y].tobytes(); raw += bytes([t]) + filt(t, row, prev, ch); prev = row
        png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, ctype, 0, 0, 0))
        if ctype == 3:
            pal = np.array([[10, 20, 30], [40, 50, 60], [70, 80, 90], [200, 210, 220]], np.uint8)
            png += chunk(b'PLTE', pal.tobytes()); expect = pal[img[..., 0]]
        elif ctype in (0, 4):
            expect = np.concatenate([np.repeat(img[..., :1], 3, 2), img[..., 1:]], 2)
        else:
            expect = img
        png += chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
        open(f'{out}/c{ctype}-f{t}.png', 'wb').write(png)
        open(f'{out}/c{ctype}-f{t}.bin', 'wb').write(expect.tobytes())
`;
    const dir = mkdtempSync(path.join(tmp, 'filters-'));
    python(script, dir);
    const names = readdirSync(dir).filter((f) => f.endsWith('.png'));
    expect(names).toHaveLength(25);
    for (const name of names) {
      const image = decodePng(readFileSync(path.join(dir, name)));
      expect([name, image.width, image.height, image.data]).toEqual([name, 11, 6, new Uint8Array(readFileSync(path.join(dir, name.replace('.png', '.bin'))))]);
    }
  });

  it('writes PNGs that pngio.py decodes to the same pixels, with CRCs and iTXt Python agrees on', () => {
    const cases = [
      { w: 23, h: 17, c: 4 },
      { w: 31, h: 8, c: 3 },
    ];
    for (const { w, h, c } of cases) {
      const px = sampleImage(w, h, c);
      const file = path.join(tmp, `ts-${c}.png`);
      writeFileSync(file, encodePng(px, w, h, { text: { [PROVENANCE_KEYWORD]: '{"seed": 42, "psi": "ψ"}' } }));
      const out = python(
        String.raw`
import sys, json, struct, zlib
sys.path.insert(0, sys.argv[2])
from pngio import read_png
data = open(sys.argv[1], 'rb').read()
pos, texts, crcs_ok = 8, {}, True
while pos < len(data):
    (n,) = struct.unpack('>I', data[pos:pos + 4]); t = data[pos + 4:pos + 8]; body = data[pos + 8:pos + 8 + n]
    crcs_ok &= struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(t + body)
    if t == b'iTXt':
        key, rest = body.split(b'\0', 1)
        texts[key.decode('latin-1')] = rest[2:].split(b'\0', 2)[2].decode('utf-8')
    pos += 12 + n
print(json.dumps({'rgba': read_png(sys.argv[1]).reshape(-1).tolist(), 'texts': texts, 'crcs_ok': crcs_ok}))
`,
        file,
        path.dirname(PNGIO),
      );
      const parsed = JSON.parse(out) as { rgba: number[]; texts: Record<string, string>; crcs_ok: boolean };
      const rgba = c === 4 ? px : Uint8Array.from({ length: w * h * 4 }, (_, i) => (i % 4 === 3 ? 255 : px[Math.floor(i / 4) * 3 + (i % 4)]!));
      expect(Uint8Array.from(parsed.rgba)).toEqual(rgba);
      expect(parsed.crcs_ok).toBe(true);
      expect(parsed.texts).toEqual({ [PROVENANCE_KEYWORD]: '{"seed": 42, "psi": "ψ"}' });
    }
  });

  it.skipIf(!existsSync(path.join(EMOJI, 'emoji-datasource-twitter')))('decodes real emoji PNGs (8-bit RGBA, grey + alpha, 4- and 8-bit palette) as pngio.py does', () => {
    const picks = python(
      String.raw`
import glob, struct, sys
seen = {}
for f in sorted(glob.glob(sys.argv[1] + '/emoji-datasource-*/img/*/64/*.png')):
    head = open(f, 'rb').read(29)
    kind = head[24:26]
    seen.setdefault(kind, []).append(f)
print('\n'.join(f for files in seen.values() for f in files[:2]))
`,
      EMOJI,
    )
      .trim()
      .split('\n');
    expect(picks.length).toBeGreaterThanOrEqual(6);
    const reference = JSON.parse(
      python(
        String.raw`
import sys, json
sys.path.insert(0, sys.argv[1])
from pngio import read_png
print(json.dumps([read_png(f).reshape(-1).tolist() for f in sys.argv[2:]]))
`,
        path.dirname(PNGIO),
        ...picks,
      ),
    ) as number[][];
    picks.forEach((file, i) => {
      const image = decodePng(readFileSync(file));
      const rgba =
        image.channels === 4 ? image.data : Uint8Array.from({ length: image.width * image.height * 4 }, (_, k) => (k % 4 === 3 ? 255 : image.data[Math.floor(k / 4) * 3 + (k % 4)]!));
      expect([file, rgba]).toEqual([file, Uint8Array.from(reference[i]!)]);
    });
  });
});
