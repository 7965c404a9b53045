/**
 * Run-time schemas of the latent state and the timeline, for everything that reads them back from
 * outside the running studio: PNG provenance records, timeline files of the CLI (and, later, project
 * files). The schemas are checked against the TypeScript types, so the two cannot drift apart.
 */
import { z } from 'zod';
import type { LatentState } from './state';
import type { Timeline } from './timeline';

const finite = z.number().finite();
const index = z.number().int().nonnegative();

/** A numpy seed: a whole number 0 … 2³² − 1. */
export const seedSchema = z.number().int().min(0).max(0xffffffff);

/** Schema of {@link LatentState}. Unknown keys are dropped (a newer studio may add some). */
export const latentStateSchema = z.object({
  seed: seedSchema,
  psi: finite,
  cutoff: index.nullable(),
  mix: z.array(z.object({ seed: seedSchema, rows: z.array(index) })),
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
}) satisfies z.ZodType<LatentState>;

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
