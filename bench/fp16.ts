/**
 * The half-precision rows of `npm run bench`: each model's float16 twin made in a scratch copy of
 * its package by the same code as `npm run convert -- --fp16 --package` (main/cli/fp16.ts), its
 * measured error against float32 on onnxruntime-node (a row per model: the pass's own time, the
 * error in the note), and the twins as bench models of their own, so that WebGPU can time them
 * beside the float32 graphs where the adapter has `shader-f16`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { convertToFloat16 } from '../app/model/fp16';
import { withPrecision } from '../app/inference/precision';
import { addFp16Twins } from '../main/cli/fp16';
import { readManifest } from '../main/services/library';
import type { BenchModel } from './models';
import { median, type Row, type Skip } from './rows';

/** The rows, the twins to time on WebGPU, and the models that could not be converted. */
export interface Fp16Bench {
  rows: Row[];
  twins: BenchModel[];
  skips: Skip[];
}

/** The id the twin of `id` is reported under. */
export const twinId = (id: string): string => `${id}.fp16`;

/** Make, measure and time the float16 twin of each of `models` in `scratch`. */
export async function fp16Bench(models: readonly BenchModel[], scratch: string, nativeHost: string, log: (line: string) => void): Promise<Fp16Bench> {
  const result: Fp16Bench = { rows: [], twins: [], skips: [] };
  for (const model of models) {
    const dir = path.join(scratch, 'fp16', model.id);
    log(`  fp16 ${model.id} …`);
    try {
      await fs.rm(dir, { recursive: true, force: true });
      await fs.cp(model.dir, dir, { recursive: true });
      const [twin] = await addFp16Twins(dir, { nativeEntry: nativeHost, log: (line) => log(`    ${line}`) });
      if (!twin) throw new Error('it has no frame graph');
      // The pass alone, in this process: what an import or the CLI spends on it.
      const bytes = new Uint8Array(await fs.readFile(path.join(dir, model.manifest.graphs[twin.key]!.file)));
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        convertToFloat16(bytes, twin.file);
        times.push(performance.now() - started);
      }
      const e = twin.error;
      result.rows.push({
        model: model.id,
        runtime: 'ort-node',
        stage: 'fp16',
        median_ms: median(times),
        runs: times.length,
        threads: 1,
        note:
          `pass time; ${twin.key} ${(twin.originalBytes / 1e6).toFixed(2)} → ${(twin.bytes / 1e6).toFixed(2)} MB; vs fp32 (${e.runtime}, seeds ${e.seeds.join(',')}): ` +
          `max |Δ| ${e.max_abs.toExponential(2)}, mean ${e.mean_abs.toExponential(2)}, 8-bit levels max ${e.max_levels} mean ${e.mean_levels.toFixed(3)}; ` +
          `${twin.conversion.overflowed} saturated, ${twin.conversion.flushed} flushed`,
      });
      const manifest = await readManifest(dir);
      result.twins.push({ ...model, id: twinId(model.id), dir, manifest: withPrecision(manifest, 'fp16'), torch: { kind: 'none', reason: 'a float16 twin: PyTorch runs the float32 weights' } });
    } catch (error) {
      result.skips.push({ model: model.id, runtime: 'ort-node', stage: 'fp16', reason: (error as Error).message });
    }
  }
  return result;
}
