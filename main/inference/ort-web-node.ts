/**
 * Node adapter over onnxruntime-web's WASM backend: the only module on the Node side that imports
 * onnxruntime-web. Used by the CLI and the tests; loads model files straight from disk.
 */
import * as ort from 'onnxruntime-web';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { GraphRunner } from '../../app/inference/runner';
import type { Manifest } from '../../app/model/manifest';
import { createOrtRunner, type OrtModuleLike } from '../../app/runtime/ort-runner';
import { createPipeline, type Pipeline } from '../../app/inference/render';
import type { StageSession } from '../../app/inference/stages';
import { createOrtStage } from '../../app/runtime/ort-stage';
import { STAGE_GRAPH, type StageManifest } from '../../app/model/stage-manifest';
import { readManifest, readNoiseConst } from '../services/library';

/** Options for {@link openWasmRunner}. */
export interface WasmRunnerOptions {
  /** WASM threads; threads gave no gain in Node here (DESIGN.md §4), so 1 by default. */
  numThreads?: number;
}

/** Load the package in `dir` (already validated manifest) with onnxruntime-web WASM. */
export async function openWasmRunner(dir: string, manifest: Manifest, options: WasmRunnerOptions = {}): Promise<GraphRunner> {
  ort.env.wasm.numThreads = options.numThreads ?? 1;
  return createOrtRunner(ort as unknown as OrtModuleLike, manifest, {
    backend: 'wasm',
    sessionOptions: { executionProviders: ['wasm'], graphOptimizationLevel: 'all' },
    loadFile: async (file) => new Uint8Array(await fs.readFile(path.join(dir, file))),
  });
}

/** Load the image2image stage package in `dir` (already validated manifest) with onnxruntime-web WASM. */
export async function openWasmStage(dir: string, manifest: StageManifest, options: WasmRunnerOptions = {}): Promise<StageSession> {
  ort.env.wasm.numThreads = options.numThreads ?? 1;
  const bytes = new Uint8Array(await fs.readFile(path.join(dir, manifest.graphs[STAGE_GRAPH]!.file)));
  return createOrtStage(ort as unknown as OrtModuleLike, manifest, bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
}

/** A package opened for rendering in Node: its manifest, its WASM runner and the studio's pipeline over it. */
export interface WasmPipeline {
  manifest: Manifest;
  runner: GraphRunner;
  pipeline: Pipeline;
}

/**
 * Read the package in `dir` (manifest and const noise) and open it with {@link openWasmRunner}
 * under the same pipeline the worker builds. Dispose `runner` when done.
 */
export async function openWasmPipeline(dir: string, options: WasmRunnerOptions = {}): Promise<WasmPipeline> {
  const manifest = await readManifest(dir);
  const noiseConst = await readNoiseConst(dir, manifest);
  const runner = await openWasmRunner(dir, manifest, options);
  return { manifest, runner, pipeline: createPipeline(runner, manifest, noiseConst) };
}
