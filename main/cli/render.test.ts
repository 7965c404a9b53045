/**
 * The export path end to end in Node on the fixture: a PNG's record restores a state that renders
 * the same pixels; the z recorded for a seed is numpy's; the built CLI writes seed PNGs with records
 * and timeline frames whose `--frames` slices equal the whole render (and an MP4 when ffmpeg exists).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openWasmRunner } from '../inference/ort-web-node';
import { ModelLibrary, readManifest } from '../services/library';
import { ModelImporter } from '../services/import';
import { createPipeline, type Pipeline } from '../../app/inference/render';
import type { GraphRunner } from '../../app/inference/runner';
import type { Manifest } from '../../app/model/manifest';
import { tensorToRgba } from '../../app/inference/image';
import { latentState, type LatentState } from '../../app/state/latent-state';
import { stillPng } from '../../app/export/still';
import { decodePng } from '../../app/codecs/png';
import { readProvenance } from '../../app/records/provenance';
import type { Timeline } from '../../app/state/timeline';
import { parseCli, parseFrameRange } from './options';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(ROOT, 'models/fixtures/stylegan-tiny');
const CLI = path.join(ROOT, 'dist/cli/render.mjs');
const PYTHON = '/usr/bin/python3';
const numpyMissing = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status !== 0;
const ffmpegMissing = spawnSync('ffmpeg', ['-version']).status !== 0;

let manifest: Manifest;
let runner: GraphRunner;
let pipeline: Pipeline;
const tmp = mkdtempSync(path.join(tmpdir(), 'render-cli-test-'));

beforeAll(async () => {
  // Test what `npm run render` runs: the bundle, freshly built.
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--only', 'cli'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`CLI build failed: ${build.stderr}`);
  manifest = await readManifest(FIXTURE);
  runner = await openWasmRunner(FIXTURE, manifest);
  pipeline = createPipeline(runner, manifest);
});
afterAll(async () => {
  await runner.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
}

/** RGB bytes of a render, as the PNGs hold them. */
async function rgbOf(state: LatentState): Promise<number[]> {
  const { data } = tensorToRgba((await pipeline.render(state)).image, manifest.output_range);
  return Array.from(data).filter((_, i) => i % 4 !== 3);
}

describe('provenance round trip', () => {
  it('export → read → the same state → the same pixels and ws', async () => {
    const state = latentState({
      seed: 1234,
      psi: 0.6,
      cutoff: 5,
      mix: [{ seed: 99, rows: [6, 7] }],
      edits: [{ id: 'd', name: 'a direction', space: 'w', vector: Array.from({ length: 64 }, (_, i) => Math.cos(i)), scale: 1, amount: 2.5, rows: [0, 3] }],
    });
    const { image, z, ws } = await pipeline.render(state);
    const png = stillPng({ image: tensorToRgba(image, manifest.output_range), z, ws }, { manifest, state, scale: 1, filter: 'nearest', software: 'test' });
    const record = readProvenance(png);
    expect(record.state).toEqual(state);
    const again = await pipeline.render(record.state);
    expect(Array.from(decodePng(png).data)).toEqual(Array.from(tensorToRgba(again.image, manifest.output_range).data).filter((_, i) => i % 4 !== 3));
    expect(record.ws!.flat()).toEqual(Array.from(again.ws!));
    // The stored ws alone reproduces the image through the synthesis graph.
    const fromWs = await pipeline.synthesize(again.ws!);
    expect(Array.from(fromWs.data)).toEqual(Array.from(image.data));
  });
});

describe('built CLI', () => {
  const seedsDir = path.join(tmp, 'seeds');
  let run: ReturnType<typeof cli>;
  beforeAll(() => {
    run = cli('--network', 'fixture-stylegan-tiny', '--seeds', '0-2,4294967295', '--trunc', '0.7', '--trunc-cutoff', '6', '--outdir', seedsDir);
  });

  it('writes seed PNGs that decode and carry the provenance record', async () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readdirSync(seedsDir).sort()).toEqual(['seed0000.png', 'seed0001.png', 'seed0002.png', 'seed4294967295.png']);
    for (const seed of [0, 2]) {
      const png = readFileSync(path.join(seedsDir, `seed000${seed}.png`));
      const decoded = decodePng(png);
      expect([decoded.width, decoded.height, decoded.channels]).toEqual([32, 32, 3]);
      const record = readProvenance(png);
      expect(record.model).toEqual({ id: 'fixture-stylegan-tiny', name: manifest.name, sha256: manifest.files['synthesis.onnx']!.sha256 });
      expect([record.seed, record.psi, record.cutoff]).toEqual([seed, 0.7, 6]);
      expect(record.state).toEqual(latentState({ seed, psi: 0.7, cutoff: 6 }));
      // The CLI runs on the native path by default; this reference on WASM: the same bytes within one level.
      expect(maxDiff(Array.from(decoded.data), await rgbOf(record.state))).toBeLessThanOrEqual(1);
    }
    expect(run.stdout).toMatch(/^runtime: native \(onnxruntime-node, cpu, \d+ threads/m);
  });

  it.skipIf(numpyMissing)('records the z of numpy RandomState(seed).randn(1, z_dim) for each seed', () => {
    const seeds = [0, 1, 2, 4294967295];
    const script = 'import numpy as np, sys, json\nprint(json.dumps([np.random.RandomState(int(s)).randn(1, 64).astype(np.float32)[0].tolist() for s in sys.argv[1:]]))';
    const result = spawnSync(PYTHON, ['-c', script, ...seeds.map(String)], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const expected = JSON.parse(result.stdout) as number[][];
    seeds.forEach((seed, i) => {
      const record = readProvenance(readFileSync(path.join(seedsDir, `seed${String(seed).padStart(4, '0')}.png`)));
      expect(record.z).toEqual(expected[i]);
    });
  });

  it('refuses what the package cannot do, saying why', () => {
    const noise = cli('--network', 'fixture-stylegan-tiny', '--seeds', '0', '--noise-mode', 'random', '--outdir', tmp);
    expect(noise.status).toBe(1);
    expect(noise.stderr).toMatch(/"fixture-stylegan-tiny" has no noise inputs.*--noise-inputs/);
    const rotate = cli('--network', 'fixture-stylegan-tiny', '--seeds', '0', '--rotate', '10', '--outdir', tmp);
    expect(rotate.status).toBe(1);
    expect(rotate.stderr).toMatch(/has no transform input.*--transform-input/);
    expect(cli('--project', 'x.json', '--rotate', '5', '--outdir', tmp).status).toBe(2);
    const missing = cli('--network', 'no-such-model', '--seeds', '0', '--outdir', tmp);
    expect(missing.stderr).toMatch(/no such model package folder or model id \(known ids: .*fixture-stylegan-tiny/);
    const usage = cli('--seeds', '0-1', '--outdir', tmp);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--network is required/);
    expect(cli('--help').stdout).toMatch(/--noise-seed <N>/);
  });
});

describe.skipIf(numpyMissing)('built CLI with --projected-w', () => {
  /** A projected_w.npz written by numpy as NVIDIA's projector does: np.savez(path, w=ws), ws [N, num_ws, w_dim] float32. */
  function savez(name: string, rows: number[][]): string {
    const file = path.join(tmp, name);
    const script = 'import numpy as np, sys, json\nw = np.array(json.load(open(sys.argv[2])), np.float32)\nnp.savez(sys.argv[1], w=w.reshape(len(w), -1, 64))';
    writeFileSync(`${file}.json`, JSON.stringify(rows));
    const result = spawnSync(PYTHON, ['-c', script, file, `${file}.json`], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    return file;
  }

  it('renders each projection as proj00.png …: the mapped ws of a seed gives that seed\'s picture, and the record keeps the ws', async () => {
    const ws3 = Array.from(await pipeline.mapSeed(3));
    const ws5 = Array.from(await pipeline.mapSeed(5));
    const file = savez('projected_w.npz', [ws3, ws5]);
    const dir = path.join(tmp, 'projected');
    const run = cli('--network', 'fixture-stylegan-tiny', '--projected-w', file, '--outdir', dir);
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['proj00.png', 'proj01.png']);
    for (const [name, seed, ws] of [['proj00.png', 3, ws3], ['proj01.png', 5, ws5]] as const) {
      const png = readFileSync(path.join(dir, name));
      const record = readProvenance(png);
      expect(record.state.explicit).toEqual({ space: 'ws', shape: [8, 64], data: ws, origin: `projected_w.npz [${seed === 3 ? 0 : 1}]` });
      expect(record.ws!.flat()).toEqual(ws);
      // Native CLI against the WASM reference: the same bytes within one level.
      expect(maxDiff(Array.from(decodePng(png).data), await rgbOf(latentState({ seed })))).toBeLessThanOrEqual(1);
    }
  });

  it('refuses a projection of another shape, naming both, and --seeds beside it', () => {
    const file = savez('wide.npz', [Array.from({ length: 18 * 64 }, () => 0.5)]);
    const wrong = cli('--network', 'fixture-stylegan-tiny', '--projected-w', file, '--outdir', path.join(tmp, 'wide'));
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/--projected-w wide\.npz: "w" has shape \[1, 18, 64\], but model "fixture-stylegan-tiny" takes ws \[1, 8, 64\]/);
    expect(cli('--network', 'fixture-stylegan-tiny', '--projected-w', file, '--seeds', '1', '--outdir', tmp).status).toBe(2);
  });
});

describe('built CLI with noise and transform inputs', () => {
  /** RGB bytes and the recorded state of the one PNG a run wrote into `dir`. */
  function written(dir: string): { rgb: number[]; state: LatentState } {
    const png = readFileSync(path.join(dir, 'seed0003.png'));
    return { rgb: Array.from(decodePng(png).data).filter((_, i) => i % 4 !== 3), state: readProvenance(png).state };
  }
  function run(name: string, ...args: string[]) {
    const dir = path.join(tmp, name);
    const result = cli('--seeds', '3', '--outdir', dir, ...args);
    expect(result.status, result.stderr).toBe(0);
    return written(dir);
  }

  it('feeds --noise-mode, --noise-seed and --noise-strength, and records them', () => {
    const net = ['--network', 'fixture-stylegan-tiny-noise'];
    const constant = run('noise-const', ...net);
    const none = run('noise-none', ...net, '--noise-mode', 'none');
    const random = run('noise-random', ...net, '--noise-mode', 'random', '--noise-seed', '9', '--noise-strength', '0.5');
    expect(none.rgb).not.toEqual(constant.rgb);
    expect(random.rgb).not.toEqual(constant.rgb);
    expect(random.state.noise).toEqual({ mode: 'random', seed: 9, strength: 0.5 });
    expect(constant.state.noise).toEqual({ mode: 'const', seed: 0, strength: 1 });
  });

  it('feeds --translate and --rotate to a StyleGAN3 transform input', () => {
    const net = ['--network', 'fixture-stylegan3-tiny'];
    const still = run('sg3-still', ...net);
    const moved = run('sg3-moved', ...net, '--translate', '0.25,0', '--rotate', '15');
    expect(moved.rgb).not.toEqual(still.rgb);
    expect(moved.state.transform).toEqual({ x: 0.25, y: 0, angle: 15 });
  });
});

describe('built CLI on a timeline', () => {
  const project = path.join(tmp, 'loop.json');
  const whole = path.join(tmp, 'whole');
  const slice = path.join(tmp, 'slice');
  const timeline: Timeline & { model: string } = {
    model: 'fixture-stylegan-tiny',
    keyframes: [3, 8, 21, 40].map((seed, i) => ({ id: `k${i}`, state: latentState({ seed }), duration: 1, easing: 'ease-in-out' })),
    fps: 6,
    interpolation: 'w-cubic',
    loop: 'close',
  };
  beforeAll(() => writeFileSync(project, JSON.stringify(timeline)));

  it('renders numbered frames, and a --frames slice equal to the same frames of the whole render', () => {
    const all = cli('--project', project, '--outdir', whole, '--scale', '2');
    expect(all.status, all.stderr).toBe(0);
    const frames = readdirSync(whole).filter((f) => f.endsWith('.png')).sort();
    expect(frames).toHaveLength(24);
    expect(frames[0]).toBe('frame000000.png');
    expect(decodePng(readFileSync(path.join(whole, frames[5]!))).width).toBe(64);

    const part = cli('--project', project, '--outdir', slice, '--scale', '2', '--frames', '5-9', '--no-video');
    expect(part.status, part.stderr).toBe(0);
    expect(readdirSync(slice).sort()).toEqual([5, 6, 7, 8, 9].map((i) => `frame00000${i}.png`));
    for (const name of readdirSync(slice)) {
      expect(Array.from(decodePng(readFileSync(path.join(slice, name))).data)).toEqual(Array.from(decodePng(readFileSync(path.join(whole, name))).data));
    }
    // Neighbouring frames differ: the slice is not a constant image.
    expect(readFileSync(path.join(whole, 'frame000005.png')).equals(readFileSync(path.join(whole, 'frame000006.png')))).toBe(false);
  });

  it.skipIf(ffmpegMissing)('pipes the frames to ffmpeg for an MP4 of the whole timeline', () => {
    expect(existsSync(path.join(whole, 'video.mp4'))).toBe(true);
    const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', path.join(whole, 'video.mp4')], { encoding: 'utf8' });
    const stream = JSON.parse(probe.stdout).streams[0];
    expect(stream).toMatchObject({ codec_name: 'h264', width: 64, height: 64, nb_read_frames: '24' });
    expect(readdirSync(whole).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});

/** The largest difference between two byte lists of the same length. */
function maxDiff(a: number[], b: number[]): number {
  expect(a).toHaveLength(b.length);
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i]!)), 0);
}

describe('built CLI runtimes', () => {
  const args = ['--network', 'fixture-stylegan-tiny', '--seeds', '5', '--trunc', '0.8'];
  const rgb = (dir: string) => Array.from(decodePng(readFileSync(path.join(dir, 'seed0005.png'))).data);

  it('--runtime wasm renders exactly what the in-process WASM pipeline renders; native matches it within one level', async () => {
    const wasm = cli(...args, '--runtime', 'wasm', '--threads', '1', '--outdir', path.join(tmp, 'rt-wasm'));
    expect(wasm.status, wasm.stderr).toBe(0);
    expect(wasm.stdout).toMatch(/^runtime: wasm \(onnxruntime-web, 1 threads\)$/m);
    expect(rgb(path.join(tmp, 'rt-wasm'))).toEqual(await rgbOf(latentState({ seed: 5, psi: 0.8 })));
    const native = cli(...args, '--runtime', 'native', '--threads', '2', '--outdir', path.join(tmp, 'rt-native'));
    expect(native.status, native.stderr).toBe(0);
    expect(native.stdout).toMatch(/^runtime: native \(onnxruntime-node, cpu, 2 threads/m);
    expect(maxDiff(rgb(path.join(tmp, 'rt-native')), rgb(path.join(tmp, 'rt-wasm')))).toBeLessThanOrEqual(1);
  });

  it('falls back to WASM, saying why, when the native host cannot start; --runtime native fails instead', () => {
    // A copy of the built CLI whose dist/ has no native host beside it.
    const root = path.join(tmp, 'no-native');
    mkdirSync(path.join(root, 'dist', 'cli'), { recursive: true });
    copyFileSync(CLI, path.join(root, 'dist', 'cli', 'render.mjs'));
    copyFileSync(path.join(ROOT, 'package.json'), path.join(root, 'package.json'));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
    const env = { ...process.env, LATENT_STUDIO_MODELS_DIR: path.join(ROOT, 'models') };
    const run = (...more: string[]) => spawnSync(process.execPath, [path.join(root, 'dist', 'cli', 'render.mjs'), ...args, ...more], { encoding: 'utf8', env });
    const fallback = run('--outdir', path.join(tmp, 'rt-fallback'));
    expect(fallback.status, fallback.stderr).toBe(0);
    expect(fallback.stderr).toMatch(/the native runtime could not start \(.*Cannot find module.*host\.cjs.*\); rendering with WASM instead/s);
    expect(fallback.stdout).toMatch(/^runtime: wasm/m);
    expect(existsSync(path.join(tmp, 'rt-fallback', 'seed0005.png'))).toBe(true);
    const strict = run('--runtime', 'native', '--outdir', path.join(tmp, 'rt-strict'));
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/ended unexpectedly/);
  });

  it('checks --runtime and --threads', () => {
    expect(parseCli([...args, '--outdir', 'o'])).toMatchObject({ runtime: 'auto', threads: expect.any(Number) });
    expect(parseCli([...args, '--outdir', 'o', '--runtime', 'wasm', '--threads', '3'])).toMatchObject({ runtime: 'wasm', threads: 3 });
    expect(() => parseCli([...args, '--outdir', 'o', '--runtime', 'cuda'])).toThrow(/--runtime must be native or wasm/);
    expect(() => parseCli([...args, '--outdir', 'o', '--threads', '0'])).toThrow(/--threads must be from 1/);
  });
});

describe('CLI arguments', () => {
  it('parses gen_images.py flags', () => {
    const options = parseCli(['--network', 'm', '--seeds', '0-2,7', '--trunc=0.5', '--trunc-cutoff', '4', '--class', '3', '--outdir', 'out']);
    expect(options).toMatchObject({ network: 'm', seeds: [0, 1, 2, 7], psi: 0.5, cutoff: 4, classIndex: 3, scale: 1, filter: 'nearest', project: null });
    expect(parseCli(['--network', 'm', '--seeds', '1', '--outdir', 'o', '--translate', '0,0', '--rotate', '0', '--noise-mode', 'const'])).toMatchObject({ seeds: [1] });
    expect(() => parseCli(['--network', 'm', '--seeds', '1', '--outdir', 'o', '--bogus'])).toThrow(/bogus/);
    expect(() => parseCli(['--network', 'm', '--seeds', '5-1', '--outdir', 'o'])).toThrow(/must go up/);
    expect(() => parseCli(['--network', 'm', '--seeds', '1', '--outdir', 'o', '--scale', '3.5'])).toThrow(/whole number/);
  });

  it('reads frame ranges within the timeline', () => {
    expect(parseFrameRange(null, 10)).toEqual([0, 9]);
    expect(parseFrameRange('2-4', 10)).toEqual([2, 4]);
    expect(parseFrameRange('7', 10)).toEqual([7, 7]);
    expect(() => parseFrameRange('5-10', 10)).toThrow(/frames 0-9/);
    expect(() => parseFrameRange('4-2', 10)).toThrow(/must go up/);
    expect(() => parseFrameRange('a-b', 10)).toThrow(/range like/);
  });
});

describe('the CLI finds models through the studio library', () => {
  it('renders a model imported into the user library by its id, as the studio shows it', async () => {
    // No bundled models, so the id can only come from the imported copy in the data folder.
    const bundled = path.join(tmp, 'no-bundled');
    const dataDir = path.join(tmp, 'user-data');
    mkdirSync(bundled, { recursive: true });
    const library = new ModelLibrary({ bundledDir: bundled, dataDir });
    await new ModelImporter(library, dataDir).importPath(FIXTURE);
    const out = path.join(tmp, 'from-library');
    const run = spawnSync(process.execPath, [CLI, '--network', manifest.id, '--seeds', '3', '--runtime', 'wasm', '--outdir', out], {
      encoding: 'utf8',
      cwd: ROOT,
      env: { ...process.env, LATENT_STUDIO_MODELS_DIR: bundled, LATENT_STUDIO_DATA_DIR: dataDir },
    });
    expect(run.status, run.stderr).toBe(0);
    const png = readFileSync(path.join(out, 'seed0003.png'));
    expect(Array.from(decodePng(png).data)).toEqual(await rgbOf(latentState({ seed: 3 })));
    const missing = spawnSync(process.execPath, [CLI, '--network', 'not-imported', '--seeds', '3', '--outdir', out], {
      encoding: 'utf8',
      cwd: ROOT,
      env: { ...process.env, LATENT_STUDIO_MODELS_DIR: bundled, LATENT_STUDIO_DATA_DIR: dataDir },
    });
    expect(missing.stderr).toContain(`known ids: ${manifest.id}`);
  });
});
