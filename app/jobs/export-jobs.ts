/**
 * Export's background jobs (registered in jobs.ts): rendering states together with the latents
 * that made them, so every exported PNG can carry its provenance record (z and final ws). The
 * picture goes through the export's image-to-image stage chain first, when one is given.
 */
import { tensorToRgba, type Rgba } from '../inference/image';
import { applyStages, type StageRef } from '../inference/stages';
import { stageSessions, type JobContext } from './context';
import type { JobStep } from './scheduler';
import type { LatentState } from '../state/latent-state';

/** Parameters of 'export-frame'. */
export interface ExportFrameParams {
  states: LatentState[];
  /** Image-to-image stages the picture runs through, in order (none: the generator's picture). */
  stages?: StageRef[];
}

/** One exported frame: pixels (the generator's resolution times the stages' scales), the z the generator saw and the final ws (StyleGAN; else null). */
export interface ExportFrameItem {
  index: number;
  image: Rgba;
  z: Float32Array;
  ws: Float32Array | null;
  /** Wall time of the inference, ms. */
  ms: number;
}

function* exportFrame(params: ExportFrameParams, context: JobContext, emit: (item: ExportFrameItem) => void): Iterable<JobStep> {
  const { pipeline, manifest, now } = context;
  for (const [index, state] of params.states.entries()) {
    yield async () => {
      const started = now();
      const { image, z, ws } = await pipeline.render(state);
      const staged = await applyStages(image, manifest.output_range, await stageSessions(context, params.stages));
      const ms = now() - started;
      // Copies: the worker transfers item buffers to the main thread, which must not detach arrays
      // the pipeline may still hold (its mapping cache).
      emit({ index, image: tensorToRgba(staged.image, staged.range), z: Float32Array.from(z), ws: ws ? Float32Array.from(ws) : null, ms });
    };
  }
}

/** Parameters and items of the export jobs. */
export interface ExportJobTypes {
  /** Render each state with the latents that made it (PNG export with provenance, batches, ws files). */
  'export-frame': { params: ExportFrameParams; item: ExportFrameItem };
}

/** The export job handlers, merged into JOB_HANDLERS (jobs.ts). */
export const EXPORT_JOB_HANDLERS = {
  'export-frame': exportFrame,
} as const;
