import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError } from './manifest';
import { checkStageGraph, isStageManifestJson, parseStageManifest } from './stage-manifest';
import { readOnnxInfo } from './onnx';

const SR_DIR = path.join(__dirname, '..', '..', 'models', 'emoji-sr4x');
const bundled = JSON.parse(readFileSync(path.join(SR_DIR, 'manifest.json'), 'utf8')) as Record<string, unknown>;

function withChange(change: (m: Record<string, any>) => void): unknown {
  const copy = structuredClone(bundled);
  change(copy);
  return copy;
}

function refusedField(json: unknown): string {
  try {
    parseStageManifest(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).field;
  }
  throw new Error('expected the manifest to be refused');
}

describe('parseStageManifest', () => {
  it('accepts the bundled 4× stage', () => {
    expect(isStageManifestJson(bundled)).toBe(true);
    const m = parseStageManifest(bundled);
    expect(m).toMatchObject({ family: 'image2image', scale: 4, img_channels: 3, input_range: [0, 1] });
  });

  it.each([
    ['family', (m: any) => (m.family = 'stylegan')],
    ['scale', (m: any) => (m.scale = 0)],
    ['scale', (m: any) => (m.scale = 1.5)],
    ['input_range', (m: any) => (m.input_range = [1, 0])],
    ['output_range', (m: any) => (m.output_range = [0, 0])],
    ['img_channels', (m: any) => (m.img_channels = 4)],
    ['graphs', (m: any) => (m.graphs = { generator: m.graphs.model })],
    ['graphs.model.inputs', (m: any) => m.graphs.model.inputs.push('mask')],
    ['graphs.model.outputs', (m: any) => (m.graphs.model.outputs = [])],
    ['files.sr4x.onnx', (m: any) => delete m.files['sr4x.onnx']],
    ['tile.overlap', (m: any) => (m.tile.overlap = 2)],
    ['tile.overlap', (m: any) => (m.tile = { size: 16, overlap: 8 })],
    // Stages always run in float32: a float16 twin is refused, not silently ignored.
    ['graphs.model.fp16', (m: any) => ((m.graphs.model.fp16 = { file: 'sr4x.fp16.onnx' }), (m.files['sr4x.fp16.onnx'] = m.files['sr4x.onnx']))],
  ])('names the bad field: %s', (field, change) => {
    expect(refusedField(withChange(change))).toBe(field);
  });
});

describe('checkStageGraph', () => {
  const manifest = parseStageManifest(bundled);
  const info = readOnnxInfo(new Uint8Array(readFileSync(path.join(SR_DIR, 'sr4x.onnx'))));

  it('passes the bundled graph (dynamic N, H, W; three channels)', () => {
    expect(checkStageGraph(manifest, info)).toEqual([]);
  });

  it('refuses a graph with a fixed size, a wrong name, a wrong channel count or an unlisted input', () => {
    const fixed = { ...info, inputs: info.inputs.map((v) => ({ ...v, dims: ['N', 3, 64, 64] })) };
    expect(checkStageGraph(manifest, fixed).join(' ')).toMatch(/fixed height or width; .* dynamic H and W/);
    const renamed = parseStageManifest(withChange((m) => (m.graphs.model.outputs = ['sr'])));
    expect(checkStageGraph(renamed, info).join(' ')).toMatch(/has no output "sr"; its outputs are "out"/);
    const grey = parseStageManifest(withChange((m) => (m.img_channels = 1)));
    expect(checkStageGraph(grey, info).join(' ')).toMatch(/has 3 channels .* img_channels 1/);
    const extra = { ...info, inputs: [...info.inputs, { name: 'strength', elemType: 'float32', dims: [1] }] };
    expect(checkStageGraph(manifest, extra).join(' ')).toMatch(/takes input "strength", which the manifest does not list/);
  });
});
