/**
 * The runner's two ways out of a run, on onnxruntime-web WASM in Node over the fixture: `run` copies
 * outputs to the CPU, and `runOnDevice` (the WebGPU preview's GPU-resident path) refuses an output
 * that is not in a GPU buffer rather than handing over bytes as if they were one. `renderWith` is
 * the pipeline's one path from a state to its image graph, which both take.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseManifest } from '../model/manifest';
import { createPipeline } from '../inference/render';
import { loadNoiseConst } from '../inference/synthesis-inputs';
import { latentState } from '../state/latent-state';
import { createOrtRunner, type OrtModuleLike } from './ort-runner';

const DIR = path.join(__dirname, '..', '..', 'models', 'fixtures', 'stylegan-tiny');
const manifest = parseManifest(JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')));
const loadFile = async (file: string) => new Uint8Array(readFileSync(path.join(DIR, file)));

describe('createOrtRunner', () => {
  it('runs on the CPU, and runOnDevice refuses an output that is not in a GPU buffer', async () => {
    const runner = await createOrtRunner(ort as unknown as OrtModuleLike, manifest, { backend: 'wasm', sessionOptions: { executionProviders: ['wasm'] }, loadFile });
    try {
      const pipeline = createPipeline(runner, manifest, await loadNoiseConst(manifest, loadFile));
      const state = latentState({ seed: 3, psi: 0.7 });
      const rendered = await pipeline.render(state);
      // renderWith hands over the same graph and feeds render runs: the same picture.
      const seen: string[] = [];
      const via = await pipeline.renderWith(state, async (graph, feeds) => {
        seen.push(graph);
        return (await runner.run(graph, feeds)).img!;
      });
      expect(seen).toEqual(['synthesis']);
      expect(Array.from(via.image.data)).toEqual(Array.from(rendered.image.data));
      expect(Array.from(via.ws!)).toEqual(Array.from(rendered.ws!));
      await expect(pipeline.renderWith(state, (graph, feeds) => runner.runOnDevice(graph, feeds, 'img'))).rejects.toThrow(/is not in a GPU buffer \(location [a-z]+\)/);
      await expect(pipeline.renderWith(state, (graph, feeds) => runner.runOnDevice(graph, feeds, 'nope'))).rejects.toThrow(/has no output "nope"/);
    } finally {
      await runner.dispose();
    }
  });
});
