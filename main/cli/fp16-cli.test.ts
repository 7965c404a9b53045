/**
 * `npm run convert -- --fp16 --package <folder>` on copies of the fixtures: the twin is written,
 * listed with its sha256, measured on onnxruntime-node and recorded; the package still imports;
 * a refused graph leaves the folder as it was.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPackageGraphs, fp16GraphKey, readOnnxInfo } from '../../app/model/onnx';
import { readManifest } from '../services/library';

const ROOT = path.resolve(__dirname, '../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'fp16-cli-'));

beforeAll(() => {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--only', 'cli'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`CLI build failed: ${build.stderr}`);
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const convert = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'dist/cli/convert.mjs'), ...args], { encoding: 'utf8', cwd: ROOT });
const copy = (fixture: string, name: string) => {
  const dir = path.join(tmp, name);
  cpSync(path.join(ROOT, 'models/fixtures', fixture), dir, { recursive: true });
  return dir;
};

describe('convert --fp16 --package', () => {
  it('adds the twin to the manifest with its sha256 and the error it measured on onnxruntime-node', async () => {
    const dir = copy('stylegan3-tiny', 'sg3');
    const done = convert('--fp16', '--package', dir, '--seeds', '0-3');
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/synthesis\.onnx → synthesis\.fp16\.onnx: .* values rounded/);
    expect(done.stdout).toMatch(/float16 vs float32 on onnxruntime-node cpu, seeds 0,1,2,3: max \|Δ\| /);
    const manifest = await readManifest(dir);
    const twin = manifest.graphs.synthesis!.fp16!;
    expect(twin.file).toBe('synthesis.fp16.onnx');
    expect(twin.error).toMatchObject({ seeds: [0, 1, 2, 3], runtime: 'onnxruntime-node cpu' });
    // The bound of main/inference/fp16.test.ts, where it is derived.
    expect(twin.error!.max_abs).toBeGreaterThan(0);
    expect(twin.error!.max_abs).toBeLessThanOrEqual(0.02);
    expect(twin.error!.max_levels).toBeLessThanOrEqual(3);
    expect(manifest.graphs.mapping!.fp16).toBeUndefined();
    const bytes = readFileSync(path.join(dir, twin.file));
    expect(manifest.files[twin.file]).toEqual({ sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
    const info = (file: string) => readOnnxInfo(new Uint8Array(readFileSync(path.join(dir, file))), file);
    expect(checkPackageGraphs(manifest, { mapping: info('mapping.onnx'), synthesis: info('synthesis.onnx'), [fp16GraphKey('synthesis')]: info(twin.file) })).toEqual([]);
    // Again: the twin is made anew from the float32 graph, not from itself.
    const again = convert('--fp16', '--package', dir, '--seeds', '0');
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(path.join(dir, twin.file))).toEqual(bytes);
    expect((await readManifest(dir)).graphs.synthesis!.fp16!.error!.seeds).toEqual([0]);
  }, 120_000);

  it('refuses a graph already in float16 and leaves the folder as it was', () => {
    const dir = copy('stylegan-tiny', 'half');
    const first = convert('--fp16', '--package', dir, '--seeds', '0');
    expect(first.status, first.stderr).toBe(0);
    // The twin passed off as the float32 graph: converting it again must refuse.
    cpSync(path.join(dir, 'synthesis.fp16.onnx'), path.join(dir, 'synthesis.onnx'));
    rmSync(path.join(dir, 'synthesis.fp16.onnx'));
    const manifestBefore = readFileSync(path.join(dir, 'manifest.json'), 'utf8');
    const files = readdirSync(dir).sort();
    const refused = convert('--fp16', '--package', dir);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/synthesis\.onnx is already half precision .*; use it as it is, or convert its float32 original/);
    expect(readFileSync(path.join(dir, 'manifest.json'), 'utf8')).toBe(manifestBefore);
    expect(readdirSync(dir).sort()).toEqual(files);
  }, 60_000);

  it('says how to call it when --package comes without --fp16', () => {
    const wrong = convert('--package', path.join(tmp, 'sg3'));
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/npm run convert -- --fp16 --package <folder>/);
  });
});
