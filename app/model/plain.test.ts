import { describe, expect, it } from 'vitest';
import type { OnnxInfo, OnnxValueInfo } from './onnx';
import { checkPlainSettings, detectPlainGenerator, PlainModelError, plainManifest, slugId } from './plain';
import { adaptPlainInterface } from './onnx-rewrite';

const value = (name: string, dims: (number | string)[] | null, elemType = 'float32'): OnnxValueInfo => ({ name, elemType, dims });
const info = (inputs: OnnxValueInfo[], outputs: OnnxValueInfo[]): OnnxInfo => ({
  irVersion: 8,
  producer: '',
  opsets: [{ domain: 'ai.onnx', version: 17 }],
  inputs,
  outputs,
  initializers: { count: 0, bytes: 0 },
  externalData: [],
  externalFiles: [],
});
const settings = { name: 'G', z_dim: 100, resolution: 64, img_channels: 3 as const, output_range: [-1, 1] as [number, number] };

describe('detectPlainGenerator', () => {
  it('reads z length, channels and size where the graph fixes them, null where it does not', () => {
    expect(detectPlainGenerator(info([value('noise', ['N', 100, 1, 1])], [value('out', ['N', 3, 64, 64])]), 'g.onnx')).toEqual({
      inputName: 'noise',
      inputRank: 4,
      batch: 'N',
      zDim: 100,
      outputName: 'out',
      channels: 3,
      resolution: 64,
    });
    expect(detectPlainGenerator(info([value('z', [1, 'zdim'])], [value('img', ['N', 'c', 'h', 'w'])]), 'g.onnx')).toMatchObject({
      inputRank: 2,
      zDim: null,
      channels: null,
      resolution: null,
    });
  });

  it.each([
    ['two inputs', info([value('z', ['N', 8]), value('c', ['N', 10])], [value('img', ['N', 3, 4, 4])]), /takes 2 inputs \("z" \[N, 8\], "c" \[N, 10\]\)/],
    ['a rank-3 z', info([value('z', ['N', 8, 8])], [value('img', ['N', 3, 4, 4])]), /takes input "z" as float32 \[N, 8, 8\]/],
    ['a float16 z', info([value('z', ['N', 8], 'float16')], [value('img', ['N', 3, 4, 4])]), /as float16/],
    ['no image output', info([value('z', ['N', 8])], [value('logits', ['N', 10])]), /gives "logits" float32 \[N, 10\]/],
    ['4 channels', info([value('z', ['N', 8])], [value('img', ['N', 4, 4, 4])]), /4 channels/],
    ['a non-square image', info([value('z', ['N', 8])], [value('img', ['N', 3, 4, 8])]), /4×8 images/],
  ])('refuses %s, saying what a generator needs', (_what, graph, message) => {
    expect(() => detectPlainGenerator(graph, 'g.onnx')).toThrow(PlainModelError);
    expect(() => detectPlainGenerator(graph, 'g.onnx')).toThrow(message);
  });
});

describe('plain settings and manifest', () => {
  const detection = detectPlainGenerator(info([value('z', ['N', 100])], [value('img', ['N', 3, 64, 64])]), 'g.onnx');

  it('refuses settings that contradict the graph, naming the value to use', () => {
    expect(() => checkPlainSettings(detection, { ...settings, resolution: 32 })).toThrow(/fixes the resolution at 64, but the import settings say 32; set the resolution to 64/);
    expect(() => checkPlainSettings(detection, { ...settings, img_channels: 1 })).toThrow(/channel count at 3/);
    expect(() => checkPlainSettings(detection, { ...settings, output_range: [1, 0] })).toThrow(/low < high/);
    expect(() => checkPlainSettings(detection, settings)).not.toThrow();
  });

  it('writes a valid plain manifest with the studio’s tensor names and the file’s digest', () => {
    const m = plainManifest('g', settings, { sha256: 'a'.repeat(64), bytes: 10 }, { fileName: 'g.onnx', detection });
    expect(m).toMatchObject({ id: 'g', family: 'plain', z_dim: 100, resolution: 64, output_range: [-1, 1] });
    expect(m.graphs.generator).toEqual({ file: 'generator.onnx', inputs: ['z'], outputs: ['img'] });
    expect(m.files['generator.onnx']).toEqual({ sha256: 'a'.repeat(64), bytes: 10 });
  });

  it('makes ids from names', () => {
    expect(slugId('My GAN (v2)!')).toBe('my-gan-v2');
    expect(slugId('***')).toBe('model');
  });

  it('leaves a graph that already fits untouched, byte for byte', () => {
    const bytes = Uint8Array.of(1, 2, 3);
    expect(adaptPlainInterface(bytes, { input: { name: 'z', rank: 2, batch: 'N', zDim: 8 }, output: 'img' })).toBe(bytes);
  });
});
