/**
 * An image-to-image stage ({@link StageSession}) over any onnxruntime JavaScript API, passed in by
 * the module that owns the runtime (the renderer's worker, the Node WASM adapter), as
 * ort-runner.ts does for generators.
 */
import type { StageSession } from '../inference/stages';
import type { Tensor } from '../inference/runner';
import { STAGE_GRAPH, type StageManifest } from '../model/stage-manifest';
import { GraphMismatchError, type OrtModuleLike, type OrtTensorLike } from './ort-runner';

/** Create the session of a stage from its graph's bytes; names are checked before any run. */
export async function createOrtStage(ort: OrtModuleLike, manifest: StageManifest, bytes: Uint8Array, sessionOptions: object): Promise<StageSession> {
  const spec = manifest.graphs[STAGE_GRAPH]!;
  const [inputName, outputName] = [spec.inputs[0]!, spec.outputs[0]!];
  const session = await ort.InferenceSession.create(bytes, sessionOptions);
  if (!session.inputNames.includes(inputName) || !session.outputNames.includes(outputName)) {
    await session.release();
    throw new GraphMismatchError(
      `${spec.file} takes ${session.inputNames.join(', ')} and gives ${session.outputNames.join(', ')}, but its manifest says "${inputName}" → "${outputName}"`,
    );
  }
  let disposed = false;
  return {
    manifest,
    async run(tile: Tensor): Promise<Tensor> {
      if (disposed) throw new Error(`the stage "${manifest.name}" was unloaded`);
      const input = new ort.Tensor('float32', tile.data, tile.dims);
      let outputs: Record<string, OrtTensorLike> = {};
      try {
        outputs = await session.run({ [inputName]: input });
        const out = outputs[outputName];
        if (!out) throw new GraphMismatchError(`${spec.file} returned no "${outputName}"`);
        if (out.type !== 'float32') throw new GraphMismatchError(`${spec.file} output "${outputName}" is ${out.type}, expected float32`);
        return { data: new Float32Array((await out.getData()) as Float32Array), dims: [...out.dims] };
      } finally {
        input.dispose();
        for (const t of Object.values(outputs)) t.dispose();
      }
    },
    async dispose() {
      disposed = true;
      await session.release();
    },
  };
}
