/**
 * The Blend dialog's live preview, inside the inference worker: both parents' packages are fetched
 * once and kept open, and every request blends their weights in memory (app/workshop/blend.ts),
 * opens the blend on WASM, renders one seed with it and with both parents, and closes it again.
 * Rebuilding the blend per request is what keeps it honest (the picture is the saved model's);
 * the dialog debounces its requests and the worker serves only the newest one.
 */
import type { GraphRunner } from '../../app/inference/runner';
import { createPipeline, type Pipeline } from '../../app/inference/render';
import { loadNoiseConst } from '../../app/inference/synthesis-inputs';
import { tensorToRgba } from '../../app/inference/image';
import { checkFiniteImage } from '../../app/inference/finite';
import type { Manifest } from '../../app/model/manifest';
import { latentState } from '../../app/state/latent-state';
import { blendPackages, type PackageSource } from '../../app/workshop/blend';
import type { BlendPreviewRequest, ModelRef, PreviewImage } from './protocol';

/** Opens a package from bytes on a runtime the worker picks (WASM here: sessions come and go per request). */
export type OpenPackage = (manifest: Manifest, files: ReadonlyMap<string, Uint8Array>) => Promise<GraphRunner>;

interface OpenParent {
  source: PackageSource;
  runner: GraphRunner;
  pipeline: Pipeline;
}

async function openPipeline(open: OpenPackage, manifest: Manifest, files: ReadonlyMap<string, Uint8Array>): Promise<{ runner: GraphRunner; pipeline: Pipeline }> {
  const runner = await open(manifest, files);
  try {
    const noise = await loadNoiseConst(manifest, async (file) => files.get(file) ?? new Uint8Array());
    return { runner, pipeline: createPipeline(runner, manifest, noise) };
  } catch (error) {
    await runner.dispose();
    throw error;
  }
}

async function picture(pipeline: Pipeline, manifest: Pick<Manifest, 'name' | 'output_range'>, seed: number, psi: number): Promise<PreviewImage> {
  const { image } = await pipeline.render(latentState({ seed, psi }));
  checkFiniteImage(image, manifest.name);
  const rgba = tensorToRgba(image, manifest.output_range);
  return { width: rgba.width, height: rgba.height, pixels: rgba.data.buffer as ArrayBuffer };
}

/** The preview's state in one worker: the two parents it holds open. */
export class BlendPreview {
  private parents = new Map<string, Promise<OpenParent>>();

  constructor(
    private readonly open: OpenPackage,
    private readonly fetchFile: (ref: ModelRef, file: string) => Promise<Uint8Array>,
  ) {}

  private parent(ref: ModelRef): Promise<OpenParent> {
    let found = this.parents.get(ref.id);
    if (!found) {
      found = (async () => {
        const files = new Map<string, Uint8Array>();
        for (const file of Object.keys(ref.manifest.files)) files.set(file, await this.fetchFile(ref, file));
        return { source: { manifest: ref.manifest, files }, ...(await openPipeline(this.open, ref.manifest, files)) };
      })();
      // A failed open is not kept, so the next request tries again.
      found.then(undefined, () => this.parents.delete(ref.id));
      this.parents.set(ref.id, found);
    }
    return found;
  }

  /** Render the request's seed with parent A, parent B and their blend; `ms` is the blend's build and render time. */
  async render(request: BlendPreviewRequest): Promise<{ a: PreviewImage; b: PreviewImage; blend: PreviewImage; ms: number }> {
    for (const [id, held] of this.parents) {
      if (id !== request.a.id && id !== request.b.id) {
        this.parents.delete(id);
        await (await held).runner.dispose();
      }
    }
    const [a, b] = [await this.parent(request.a), await this.parent(request.b)];
    const started = performance.now();
    const blended = await blendPackages(a.source, b.source, request.weights, { id: 'blend-preview', name: 'Blend preview' });
    const manifest = { ...blended.manifest, files: request.a.manifest.files };
    const opened = await openPipeline(this.open, manifest, blended.files);
    try {
      const blend = await picture(opened.pipeline, manifest, request.seed, request.psi);
      const ms = performance.now() - started;
      return { a: await picture(a.pipeline, a.source.manifest, request.seed, request.psi), b: await picture(b.pipeline, b.source.manifest, request.seed, request.psi), blend, ms };
    } finally {
      await opened.runner.dispose();
    }
  }

  /** Close both parents (the dialog closed). */
  async close(): Promise<void> {
    const held = [...this.parents.values()];
    this.parents.clear();
    for (const parent of held) await (await parent).runner.dispose();
  }
}
