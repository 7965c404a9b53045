/**
 * Background jobs the inference worker runs between preview frames: each kind is a function that
 * yields small steps (one image, one chunk of latents), so the preview can cut in between steps
 * and a cancel takes effect at the next one. Jobs stream items back as they are made.
 */
import type { Rgba } from '../inference/image';
import { tensorToRgba } from '../inference/image';
import { stageSessions, type JobContext } from './context';
import { applyStages, type StageRef } from '../inference/stages';
import type { JobStep } from './scheduler';
import type { LatentState } from '../state/latent-state';
import { frameCount, type Timeline } from '../state/timeline';
import { TimelineEvaluator } from '../inference/timeline-frames';
import { DIRECTION_JOB_HANDLERS, type DirectionJobTypes } from './direction-jobs';
import { MAP_JOB_HANDLERS, type MapJobTypes } from './map-jobs';
import { EXPORT_JOB_HANDLERS, type ExportJobTypes } from './export-jobs';
import { INVERSION_JOB_HANDLERS, type InversionJobTypes } from './inversion-jobs';

/** Parameters and streamed items of every job kind (the attribute-slider jobs: direction-jobs.ts; the latent map's: map-jobs.ts; export's: export-jobs.ts; inversion's: inversion-jobs.ts). */
export interface JobTypes extends DirectionJobTypes, MapJobTypes, ExportJobTypes, InversionJobTypes {
  /** Render each state to pixels, in order (grids, thumbnails, video frames). */
  'render-batch': {
    params: { states: LatentState[] };
    item: { index: number; image: Rgba; ms: number };
  };
  /** Render frames [first, last] of a timeline, in order (preview playback, video export). */
  'render-timeline': {
    /** `stages`: the export's image-to-image chain (video export), none for the preview's playback. */
    params: { timeline: Timeline; first: number; last: number; stages?: StageRef[] };
    item: { index: number; image: Rgba; ms: number };
  };
}

/** A job kind. */
export type JobKind = keyof JobTypes;
/** A request for a job of some kind. */
export type JobRequest = { [K in JobKind]: { kind: K; params: JobTypes[K]['params'] } }[JobKind];
/** An item streamed by a job of kind K. */
export type JobItem<K extends JobKind> = JobTypes[K]['item'];

/** Makes the steps of one job; `emit` streams an item back to whoever asked. */
export type JobHandler<K extends JobKind> = (
  params: JobTypes[K]['params'],
  context: JobContext,
  emit: (item: JobItem<K>) => void,
) => Iterable<JobStep>;

function* renderBatch(
  params: JobTypes['render-batch']['params'],
  { pipeline, manifest, now }: JobContext,
  emit: (item: JobItem<'render-batch'>) => void,
): Iterable<JobStep> {
  for (const [index, state] of params.states.entries()) {
    yield async () => {
      const started = now();
      const { image } = await pipeline.render(state);
      emit({ index, image: tensorToRgba(image, manifest.output_range), ms: now() - started });
    };
  }
}

function* renderTimeline(
  params: JobTypes['render-timeline']['params'],
  context: JobContext,
  emit: (item: JobItem<'render-timeline'>) => void,
): Iterable<JobStep> {
  const { pipeline, manifest, now } = context;
  const evaluator = new TimelineEvaluator(pipeline, manifest, params.timeline);
  const last = Math.min(params.last, frameCount(params.timeline) - 1);
  for (let index = Math.max(0, params.first); index <= last; index++) {
    yield async () => {
      const started = now();
      const image = await evaluator.frame(index);
      const staged = await applyStages(image, manifest.output_range, await stageSessions(context, params.stages));
      emit({ index, image: tensorToRgba(staged.image, staged.range), ms: now() - started });
    };
  }
}

/** Every job kind's handler. */
export const JOB_HANDLERS: { [K in JobKind]: JobHandler<K> } = {
  'render-batch': renderBatch,
  'render-timeline': renderTimeline,
  ...DIRECTION_JOB_HANDLERS,
  ...MAP_JOB_HANDLERS,
  ...EXPORT_JOB_HANDLERS,
  ...INVERSION_JOB_HANDLERS,
};

/**
 * Run every step of a job in order, with nothing in between, and collect what it emits: what the
 * worker's scheduler does between preview frames, for callers without a preview (CLI, tests).
 */
export async function runJobToEnd<K extends JobKind>(kind: K, params: JobTypes[K]['params'], context: JobContext): Promise<JobItem<K>[]> {
  const items: JobItem<K>[] = [];
  const handler = JOB_HANDLERS[kind] as JobHandler<K>;
  for (const step of handler(params, context, (item) => items.push(item))) await step();
  return items;
}
