import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../app/codecs/png';
import { readManifest } from '../services/library';
import { pythonJson, pythonMissing } from '../../test-support/python';
import { writeCheckpointFixtures, type CheckpointFixtures } from '../../test-support/checkpoints';

const ROOT = path.resolve(__dirname, '../..');
const skip = pythonMissing('torch', 'numpy');

/** What gen_images.py writes for seeds 0–3 (ψ 1, const noise), from the Python path's generator. */
const GEN_IMAGES = String.raw`
import json, sys
import numpy as np, torch
sys.path.insert(0, sys.argv[1])
import export_stylegan as E
torch.set_num_threads(1)
G, _ = E.load_pickle(sys.argv[2])
out = []
with torch.no_grad():
    for seed in range(4):
        z = torch.from_numpy(E.seed_z(seed, G.z_dim))
        c = torch.nn.functional.one_hot(torch.tensor([int(sys.argv[3])]), G.c_dim).float() if G.c_dim else None
        img = G.synthesis(G.mapping(z, c), noise_mode='const')
        out.append((img.permute(0, 2, 3, 1) * 127.5 + 128).clamp(0, 255).to(torch.uint8)[0].flatten().tolist())
print(json.dumps(out))
`;

describe.skipIf(skip)('checkpoints on the command line', () => {
  let fixtures: CheckpointFixtures;
  const tmp = mkdtempSync(path.join(tmpdir(), 'checkpoint-cli-'));
  beforeAll(() => {
    const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--only', 'cli'], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`CLI build failed: ${build.stderr}`);
    fixtures = writeCheckpointFixtures();
  }, 300_000);
  afterAll(() => {
    fixtures?.remove();
    rmSync(tmp, { recursive: true, force: true });
  });

  const run = (script: string, ...args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, 'dist/cli', script), ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, LATENT_STUDIO_DATA_DIR: path.join(tmp, 'data') } });

  it('render --network <pkl> --seeds 0-3 writes what gen_images.py would, within one 8-bit level, and reuses the conversion', () => {
    const pkl = path.join(fixtures.dir, 'stylegan2-ada.pkl');
    const first = run('render.mjs', '--network', pkl, '--seeds', '0-3', '--class', '2', '--outdir', path.join(tmp, 'a'));
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/converted stylegan2-ada\.pkl in/);
    const cache = path.join(tmp, 'data', 'checkpoint-cache');
    const [key] = readdirSync(cache);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const made = statSync(path.join(cache, key!, 'manifest.json')).mtimeMs;
    const expected = pythonJson<number[][]>(GEN_IMAGES, path.join(ROOT, 'models/tools'), pkl, '2');
    for (let seed = 0; seed < 4; seed++) {
      const png = decodePng(new Uint8Array(readFileSync(path.join(tmp, 'a', `seed000${seed}.png`))));
      expect(png.channels).toBe(3);
      let worst = 0;
      for (let i = 0; i < png.data.length; i++) worst = Math.max(worst, Math.abs(png.data[i]! - expected[seed]![i]!));
      expect(worst, `seed ${seed}`).toBeLessThanOrEqual(1);
    }
    const second = run('render.mjs', '--network', pkl, '--seeds', '0', '--class', '2', '--outdir', path.join(tmp, 'b'));
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/converted/);
    expect(readdirSync(cache)).toEqual([key]);
    expect(statSync(path.join(cache, key!, 'manifest.json')).mtimeMs).toBe(made);
    expect(readFileSync(path.join(tmp, 'b', 'seed0000.png'))).toEqual(readFileSync(path.join(tmp, 'a', 'seed0000.png')));
  });

  it('convert <pkl> <outdir> (--fp16) writes a package the studio reads, with its float16 twin; a refused file writes nothing', async () => {
    const out = path.join(tmp, 'pkg');
    const done = run('convert.mjs', path.join(fixtures.dir, 'stylegan3-r.pkl'), out, '--transform-input', '--fp16');
    expect(done.status, done.stderr).toBe(0);
    const manifest = await readManifest(out);
    expect(manifest.transform_input?.name).toBe('transform');
    expect(manifest.graphs.synthesis!.fp16).toMatchObject({ file: 'synthesis.fp16.onnx', error: { runtime: 'onnxruntime-node cpu' } });
    expect(Object.keys(manifest.files).sort()).toEqual(readdirSync(out).filter((f) => f !== 'manifest.json').sort());
    const refused = run('convert.mjs', path.join(fixtures.dir, 'biggan-zip', 'pytorch_model.bin'), path.join(tmp, 'none'));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/without its config\.json/);
    expect(() => readdirSync(path.join(tmp, 'none'))).toThrow();
  });
});
