/**
 * Run-time schemas of the latent state and the timeline, for everything that reads them back from
 * outside the running studio: PNG provenance records, timeline files of the CLI (and, later, project
 * files). The schemas are checked against the TypeScript types, so the two cannot drift apart.
 */
import { z } from 'zod';
import { DEFAULT_NOISE, DEFAULT_TRANSFORM, type ExplicitLatent, type KeptLatent, type LatentState, type MixSource } from './latent-state';
import type { Timeline } from './timeline';
import { explicitLatent, ExplicitLatentError } from './explicit-latent';
import { MAX_LATENT_VALUES } from '../codecs/limits';
import { Base64Error, base64ToFloat32 } from '../codecs/float32-base64';

const finite = z.number().finite();
const index = z.number().int().nonnegative();

/** A numpy seed: a whole number 0 … 2³² − 1. */
export const seedSchema = z.number().int().min(0).max(0xffffffff);

const explicitFields = {
  space: z.enum(['ws', 'z']),
  shape: z.array(z.number().int().positive()).min(1).max(2),
  origin: z.string().max(500),
};

/**
 * Schema of {@link ExplicitLatent}: its values as JSON numbers (`data`: projects, timeline files) or
 * as base64 little-endian float32 (`float32`: PNG records, docs/PROVENANCE.md), both bounded by
 * MAX_LATENT_VALUES; shape and value count must agree, as {@link explicitLatent} checks.
 */
export const explicitLatentSchema = z
  .union([
    z.object({ ...explicitFields, data: z.array(finite).max(MAX_LATENT_VALUES) }),
    z.object({ ...explicitFields, float32: z.string().max(Math.ceil((MAX_LATENT_VALUES * 4) / 3) + 4) }),
  ])
  .transform((e, ctx): ExplicitLatent => {
    try {
      const values = 'data' in e ? e.data : base64ToFloat32(e.float32);
      return explicitLatent(e.space, e.shape, values, e.origin);
    } catch (error) {
      if (!(error instanceof ExplicitLatentError || error instanceof Base64Error)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message, path: 'data' in e ? ['data'] : ['float32'] });
      return z.NEVER;
    }
  });

/** Schema of {@link LatentState}. Unknown keys are dropped (a newer studio may add some). */
export const latentStateSchema = z.object({
  seed: seedSchema,
  psi: finite,
  cutoff: index.nullable(),
  // A getter, because a mixing source may carry a kept latent state (zod 4's recursive objects).
  get mix() {
    return z.array(mixSourceSchema);
  },
  edits: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      space: z.enum(['w', 'z']),
      vector: z.array(finite),
      scale: finite,
      amount: finite,
      rows: z.tuple([index, index]).nullable(),
    }),
  ),
  classes: z.array(z.object({ index, weight: finite })),
  // Added after format 1 shipped: files written before them load with the neutral defaults.
  noise: z
    .object({ mode: z.enum(['const', 'random', 'none']), seed: seedSchema, strength: finite })
    .default(() => ({ ...DEFAULT_NOISE })),
  transform: z.object({ x: finite, y: finite, angle: finite }).default(() => ({ ...DEFAULT_TRANSFORM })),
  // Optional, so every file written before explicit latents reads as seed → z.
  explicit: explicitLatentSchema.optional(),
}) satisfies z.ZodType<LatentState>;

/** Schema of {@link MixSource}: `kept` is optional, so records written before it still load. */
export const mixSourceSchema = z.object({
  seed: seedSchema,
  rows: z.array(index),
  // Typed by hand: the inferred type would refer to itself through latentStateSchema.
  get kept(): z.ZodOptional<z.ZodType<KeptLatent>> {
    return z.object({ label: z.string().max(200), state: latentStateSchema }).optional();
  },
}) satisfies z.ZodType<MixSource>;

/** Schema of {@link Timeline}; the limits are those of `checkTimeline`, which still runs before rendering. */
export const timelineSchema = z.object({
  keyframes: z.array(
    z.object({
      id: z.string(),
      state: latentStateSchema,
      duration: finite.positive(),
      easing: z.enum(['linear', 'ease-in-out', 'ease-in', 'ease-out']),
    }),
  ),
  fps: finite.positive().max(240),
  interpolation: z.enum(['w-linear', 'w-cubic', 'z-slerp']),
  loop: z.enum(['none', 'close', 'circular', 'noise']),
}) satisfies z.ZodType<Timeline>;

/** The dotted path and message of a schema failure, for errors that name the bad field. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'is invalid';
  const where = issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'the document';
  return `${where}: ${issue.message.toLowerCase()}`;
}
