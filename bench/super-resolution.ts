/**
 * The image-to-image stage's figure for `npm run bench`: the bundled 4× super-resolution stage
 * (models/emoji-sr4x) through the studio's own chain (range mapping, tiling, stitching) on
 * onnxruntime-web WASM in Node, reported per output megapixel, for a 64 px picture (one tile,
 * 256 px out: the demo export) and a 256 px one (tiled, 1024 px out).
 */
import path from 'node:path';
import { applyStages } from '../app/inference/stages';
import type { Tensor } from '../app/inference/runner';
import { openWasmStage } from '../main/inference/ort-web-node';
import { readPackageManifest } from '../main/services/library';
import { timeRuns, median, type Row, type RunPlan } from './rows';

/** The stage package the bench times. */
export const SR_STAGE_ID = 'emoji-sr4x';

function picture(side: number): Tensor {
  const data = new Float32Array(3 * side * side);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 0.9;
  return { data, dims: [1, 3, side, side] };
}

/**
 * Rows of the super-resolution stage on WASM in Node, one per input size in `sides` (stage
 * `super-resolution`; `note` gives sizes and ms per output megapixel).
 */
export async function superResolutionRows(root: string, sides: readonly number[], threads: number, plan: RunPlan): Promise<Row[]> {
  const dir = path.join(root, 'models', SR_STAGE_ID);
  const read = await readPackageManifest(dir);
  if (read.kind !== 'stage') throw new Error(`models/${SR_STAGE_ID} is not an image2image package`);
  const stage = await openWasmStage(dir, read.manifest, { numThreads: threads });
  try {
    const rows: Row[] = [];
    for (const side of sides) {
      const input = picture(side);
      const ms = median(await timeRuns(plan, () => applyStages(input, [-1, 1], [stage])));
      const out = side * read.manifest.scale;
      const perMp = ms / ((out * out) / 1e6);
      rows.push({ model: SR_STAGE_ID, runtime: 'wasm-node', stage: 'super-resolution', median_ms: ms, runs: plan.runs, threads, note: `${side} → ${out} px, ${perMp.toFixed(0)} ms per output megapixel` });
    }
    return rows;
  } finally {
    await stage.dispose();
  }
}
