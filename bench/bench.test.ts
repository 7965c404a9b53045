/**
 * The bench's code paths on tiny inputs: `--quick` on the fixture for the Node runtimes (no
 * Chromium), run as `npm run bench` runs it (a bundled script in its own process), and the shape of
 * its JSON rows. No timing is asserted: figures depend on the machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildNativeHostForTests, type TestHost } from '../test-support/native-host';
import { formatTable, median, RUNTIMES, runPlan, warmingUp, type Row } from './rows';
import { targetLines } from './targets';
import { interleave, quantile, ratioLines, ratioOf } from './interleaved';
import { dragFeeds } from './node-runtimes';
import type { Feeds } from '../app/inference/runner';

const ROOT = path.resolve(__dirname, '..');
let host: TestHost;
let bundle: string;
let work: string;

beforeAll(async () => {
  host = await buildNativeHostForTests();
  // Beside the repository's node_modules, so the bundle's external packages resolve as in dist/.
  bundle = path.join(ROOT, 'node_modules', '.cache', 'latent-studio', `bench-${randomUUID()}.mjs`);
  await build({ entryPoints: [path.join(__dirname, 'main.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning' });
  work = mkdtempSync(path.join(tmpdir(), 'bench-test-'));
});
afterAll(async () => {
  await host?.remove();
  rmSync(bundle, { force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('npm run bench -- --quick (Node runtimes, fixture)', () => {
  it('prints a table with the targets and writes rows of the documented shape', () => {
    const json = path.join(work, 'rows.json');
    const run = spawnSync(
      process.execPath,
      [bundle, '--quick', '--threads', '1', '--only', 'wasm-node,ort-node,studio-native,export-frame', '--native-host', host.entry, '--json', json],
      { cwd: ROOT, encoding: 'utf8', timeout: 240_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^model\s+runtime\s+stage\s+threads\s+median ms\s+p10–p90\s+runs/m);
    expect(run.stdout).toMatch(/^targets \(rows at 1 thread\(s\)\):$/m);
    expect(run.stdout).toMatch(/studio-native \/ ort-node\s+fixture-stylegan-tiny synthesis: \d+\.\d\d× \(target ≤ 1\.15×\) (met|MISSED)/);

    const rows = JSON.parse(readFileSync(json, 'utf8')) as Row[];
    expect(Array.isArray(rows)).toBe(true);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(expect.arrayContaining(['median_ms', 'model', 'runs', 'runtime', 'stage', 'threads']));
      expect(Object.keys(row).every((k) => ['median_ms', 'model', 'runs', 'runtime', 'stage', 'threads', 'note', 'p10_ms', 'p90_ms'].includes(k))).toBe(true);
      expect(row.model).toBe('fixture-stylegan-tiny');
      expect(RUNTIMES).toContain(row.runtime);
      expect(Number.isFinite(row.median_ms) && row.median_ms > 0).toBe(true);
      expect(row.runs).toBe(3);
      expect(row.threads).toBe(1);
    }
    const combos = rows.map((r) => `${r.runtime}/${r.stage}`).sort();
    expect(combos).toEqual(
      [
        'ort-node/mapping',
        'ort-node/synthesis',
        'studio-native/export-frame',
        'studio-native/mapping',
        'studio-native/synthesis',
        'wasm-node/export-frame',
        'wasm-node/mapping',
        'wasm-node/synthesis',
      ].sort(),
    );
  });
});

describe('npm run bench -- --quick --only super-resolution', () => {
  it('times the bundled 4× stage through the studio chain on a tiny input, per output megapixel', () => {
    const json = path.join(work, 'sr-rows.json');
    const run = spawnSync(process.execPath, [bundle, '--quick', '--threads', '1', '--only', 'super-resolution', '--json', json], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const rows = JSON.parse(readFileSync(json, 'utf8')) as Row[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ model: 'emoji-sr4x', runtime: 'wasm-node', stage: 'super-resolution', runs: 3, threads: 1 });
    expect(rows[0]!.note).toMatch(/^16 → 64 px, \d+ ms per output megapixel$/);
    expect(run.stdout).toMatch(/^emoji-sr4x\s+wasm-node\s+super-resolution\s+1\s+\d+\.\d\d\s+3/m);
  });
});

describe('node bench/blend-save.mjs --package (the blend-save figure, tiny fixture)', () => {
  it('blends the package with its scaled copy and prints the time, the peak memory and the files', () => {
    const run = spawnSync(process.execPath, [path.join(__dirname, 'blend-save.mjs'), '--package', path.join(ROOT, 'models/fixtures/stylegan-tiny-noise')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^stylegan-tiny-noise \(\d+ MiB per parent\): blended at 0\.5 in \d+\.\d\d s$/m);
    expect(run.stdout).toMatch(/^RSS with both parents loaded \d+ MiB; peak RSS during the blend \d+ MiB \(\+\d+ MiB\)$/m);
    expect(run.stdout).toMatch(/^files: mapping\.onnx \d+ MiB, synthesis\.onnx \d+ MiB, style_affine\.npz \d+ MiB, noise_const\.npz \d+ MiB$/m);
  });
});

describe('npm run bench -- --quick --only audio-analysis', () => {
  it('times the analysis of a synthetic track and finds its 120 BPM', () => {
    const json = path.join(work, 'audio-rows.json');
    const run = spawnSync(process.execPath, [bundle, '--quick', '--only', 'audio-analysis', '--json', json], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const rows = JSON.parse(readFileSync(json, 'utf8')) as Row[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ model: 'synthetic-track', runtime: 'node', stage: 'audio-analysis', runs: 3, threads: 1 });
    expect(rows[0]!.median_ms).toBeGreaterThan(0);
    expect(rows[0]!.note).toMatch(/^5 s at 44\.1 kHz mono, 24 fps frames; tempo found 1(19\.[5-9]|20\.[0-4]) BPM$/);
    expect(run.stdout).toMatch(/synthetic-track\s+node\s+audio-analysis/);
  });
});

describe('npm run bench -- --quick --only interleaved (the native paths run for run)', () => {
  it('times bare onnxruntime-node (spinning threads and not), studio-native and the browser host natively in turns, with spreads and ratios', () => {
    const json = path.join(work, 'interleaved.json');
    const run = spawnSync(process.execPath, [bundle, '--quick', '--threads', '1', '--only', 'interleaved', '--native-host', host.entry, '--json', json], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/skipped:/);
    const rows = JSON.parse(readFileSync(json, 'utf8')) as Row[];
    expect(rows.map((r) => `${r.runtime}/${r.stage}`).sort()).toEqual(['ort-node-spinning/mapping', 'ort-node-spinning/synthesis', 'ort-node/mapping', 'ort-node/synthesis', 'studio-native/mapping', 'studio-native/synthesis', 'web-native/mapping', 'web-native/synthesis']);
    for (const row of rows) expect(row.p10_ms! <= row.median_ms && row.median_ms <= row.p90_ms!, JSON.stringify(row)).toBe(true);
    expect(run.stdout).toMatch(/web-native \/ ort-node fixture-stylegan-tiny synthesis: \d+\.\d\d× \[\d+\.\d\d–\d+\.\d\d\], [+-]\d+\.\d\d ms/);
    expect(run.stdout).toMatch(/ort-node-spinning \/ ort-node fixture-stylegan-tiny synthesis: \d+\.\d\d× \[\d+\.\d\d–\d+\.\d\d\], [+-]\d+\.\d\d ms \(onnxruntime's default thread spinning, which the studio turns off; CPU per run \+ 5 ms gap \d+\.\d\d×/);
  });
});

describe('npm run bench -- --quick --only frame-split (WebGPU preview frames, both paths)', () => {
  it('splits a WebGPU frame into its phases on the readback and the GPU-resident path, with the same pixels', () => {
    const json = path.join(work, 'frame-split.json');
    const run = spawnSync(process.execPath, [bundle, '--quick', '--only', 'frame-split', '--json', json], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/skipped:/);
    const rows = JSON.parse(readFileSync(json, 'utf8')) as Row[];
    expect(rows.map((r) => `${r.model}/${r.stage}`).sort()).toEqual([
      '64px image (no graph)/frame-gpu',
      '64px image (no graph)/frame-readback',
      'fixture-stylegan-tiny/frame-gpu',
      'fixture-stylegan-tiny/frame-readback',
    ]);
    const fixture = (stage: string) => rows.find((r) => r.model === 'fixture-stylegan-tiny' && r.stage === stage)!;
    expect(fixture('frame-readback').note).toMatch(/^inference [\d.]+ · readback [\d.]+ · conversion [\d.]+ · draw [\d.]+ ms/);
    expect(fixture('frame-gpu').note).toMatch(/^inference [\d.]+ · present [\d.]+ · draw [\d.]+ ms; pixels within [01] level\(s\)/);
    for (const row of rows) expect(row.p10_ms! <= row.median_ms && row.median_ms <= row.p90_ms!, JSON.stringify(row)).toBe(true);
    expect(run.stdout).toMatch(/frame split, 64-px image already on the GPU: readback path [\d.]+ ms, GPU-resident [\d.]+ ms .*pixels within [01] level/);
  }, 240_000);
});

describe('bench helpers', () => {
  it('interleaves contenders on the same input, every other round reversed', async () => {
    const calls: string[] = [];
    const rounds: Feeds[] = [];
    const feedsAt = (k: number) => (rounds[k] ??= { x: { data: Float32Array.of(k), dims: [1] } });
    const contender = (name: string) => async (_graph: string, f: Feeds) => void calls.push(`${name}${f.x!.data[0]}`);
    const times = await interleave([contender('A'), contender('B'), contender('C')], { warmup: 1, warmupMs: 0, runs: 3 }, 'g', feedsAt);
    expect(calls.join(' ')).toBe('A0 B0 C0 ' + 'A1 B1 C1 ' + 'C2 B2 A2 ' + 'A3 B3 C3');
    expect(times.map((t) => t.length)).toEqual([3, 3, 3]);
  });

  it('drags the latent of each run and keeps every other input as it was', () => {
    const noise = { data: Float32Array.of(0.5, 0.25), dims: [1, 1, 1, 2] };
    const ws = { data: new Float32Array(6).fill(0.5), dims: [1, 2, 3] };
    const drag = dragFeeds('synthesis', { ws, noise });
    const [a, b] = [drag(0), drag(1)];
    expect(a.noise).toBe(noise);
    expect(b.noise).toBe(noise);
    expect(a.ws!.data).not.toBe(ws.data);
    expect(a.ws!.dims).toEqual([1, 2, 3]);
    // Each run's ws differs from the last, and from the base only a little.
    expect(Array.from(a.ws!.data)).not.toEqual(Array.from(b.ws!.data));
    expect(Math.max(...Array.from(b.ws!.data, (v, i) => Math.abs(v - ws.data[i]!)))).toBeLessThan(0.01);
    expect(Array.from(ws.data)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(Object.keys(dragFeeds('mapping', { z: { data: new Float32Array(4), dims: [1, 4] } })(3))).toEqual(['z']);
    expect(() => dragFeeds('synthesis', { noise })).toThrow(/no "ws" input/);
  });

  it('summarises spreads and per-round ratios', () => {
    expect(quantile([4, 1, 3, 2, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.1)).toBeCloseTo(1);
    expect(quantile([7], 0.9)).toBe(7);
    // Round by round: a load spike in round 2 hits both sides and cancels out of the ratio.
    const ratio = ratioOf([11, 22, 11], [10, 20, 10]);
    expect(ratio.median).toBeCloseTo(1.1);
    expect(ratio.addedMs).toBe(1);
    const lines = ratioLines([{ model: 'm', stage: 'synthesis', runtime: 'web-native', baseline: 'ort-node', ...ratio }], [{ model: 'm', runtime: 'ort-node', stage: 'synthesis', median_ms: 10, p10_ms: 10, p90_ms: 20, runs: 3, threads: 1 }]);
    expect(lines).toContain('  web-native / ort-node m synthesis: 1.10× [1.10–1.10], +1.00 ms (goal ≤ 1.2× met)');
    const faster = ratioLines([{ model: 'm', stage: 'synthesis', runtime: 'ort-node-spinning', baseline: 'ort-node', ...ratioOf([9, 18], [10, 20]) }], []);
    expect(faster).toContain("  ort-node-spinning / ort-node m synthesis: 0.90× [0.90–0.90], -1.50 ms (onnxruntime's default thread spinning, which the studio turns off)");
  });

  it('takes the median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it('plans the issue’s run counts', () => {
    expect(runPlan(256, false, false)).toMatchObject({ warmup: 2, runs: 20 });
    expect(runPlan(1024, false, true)).toMatchObject({ warmup: 1, runs: 5 });
    expect(runPlan(1024, true, true)).toEqual({ warmup: 1, warmupMs: 0, runs: 3 });
    // Chromium swapped in optimised WASM code after about 8 s of runs of the demo model.
    expect(runPlan(64, false, true).warmupMs).toBeGreaterThanOrEqual(8000);
  });

  it('warms up for a number of runs and a least time', () => {
    const plan = { warmup: 2, warmupMs: 5000, runs: 20 };
    expect(warmingUp(plan, 1, 9000)).toBe(true); // fewer runs than asked
    expect(warmingUp(plan, 2, 100)).toBe(true); // time left
    expect(warmingUp(plan, 2, 6000)).toBe(false); // both done
  });

  const row = (runtime: Row['runtime'], stage: Row['stage'], median_ms: number, threads = 2): Row => ({ model: 'm', runtime, stage, median_ms, runs: 20, threads });

  it('checks the targets against the rows of the same model, stage and thread count', () => {
    const lines = targetLines(
      [
        row('ort-node', 'synthesis', 100),
        row('studio-native', 'synthesis', 110),
        row('wasm-node', 'synthesis', 300),
        row('wasm-chromium', 'synthesis', 200),
        row('wasm-chromium', 'ui-latency', 240),
        row('studio-native', 'export-frame', 150),
        row('wasm-node', 'synthesis', 50, 1),
        { ...row('wasm-chromium', 'map-frame', 12.5), note: '20000 points, frame start → pixels read back' },
        { ...row('wasm-chromium', 'map-frame', 30), note: '2000 points, frame start → pixels read back' },
      ],
      2,
    );
    expect(lines).toContain('  map-frame m, 20000 points: 12.5 ms (target ≤ 16.7 ms) met');
    expect(lines).toContain('  map-frame m, 2000 points: 30.0 ms');
    expect(lines).toContain('  studio-native / ort-node   m synthesis: 1.10× (target ≤ 1.15×) met');
    expect(lines).toContain('  wasm-node / ort-node     m synthesis: 3.00× (aim ≤ 2.5×) MISSED');
    expect(lines).toContain('  wasm-chromium / ort-node m synthesis: 2.00× (aim ≤ 2.5×) met');
    expect(lines).toContain('  ui-latency wasm-chromium m: 240.0 ms vs wasm-chromium synthesis 200.0 ms (target ≤ 238.0 ms) MISSED');
    expect(lines).toContain('  export-frame / inference studio-native m: 1.36× (target ≤ 1.2×) MISSED');
    expect(lines.some((l) => l.includes('0.50×'))).toBe(false); // the 1-thread row has no 1-thread baseline
  });

  it('lists skipped figures with their reasons under the table', () => {
    const text = formatTable([row('ort-node', 'mapping', 1.234)], [{ model: 'big', runtime: '*', stage: '*', reason: 'exporter missing' }]);
    expect(text).toMatch(/^m\s+ort-node\s+mapping\s+2\s+1\.23\s+20$/m);
    expect(text).toMatch(/skipped:\n {2}big \/ \* \/ \*: exporter missing/);
  });
});
