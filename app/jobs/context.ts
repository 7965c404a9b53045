/**
 * What every job handler may use. Its own file so that the job kinds (direction-jobs.ts,
 * map-jobs.ts, export-jobs.ts) and the registry that gathers them (registry.ts) import it without
 * importing each other.
 */
import type { GraphRunner } from '../inference/runner';
import type { Pipeline } from '../inference/render';
import type { Manifest } from '../model/manifest';
import type { StageRef, StageSession } from '../inference/stages';

/** What a job can use. */
export interface JobContext {
  pipeline: Pipeline;
  /** The model's graphs, for jobs that batch several latents into one run (the map's sampling and thumbnails). */
  runner: GraphRunner;
  manifest: Manifest;
  /** Wall clock in ms (performance.now in the worker). */
  now(): number;
  /**
   * A file of the model's package, by its manifest name: jobs name what they need and whoever runs
   * them reads it (the worker fetches each file once per model and keeps it; Node reads the disk).
   */
  readFile(file: string): Promise<Uint8Array>;
  /**
   * Sessions for an image-to-image stage chain (export's post-processing), on the runtime the
   * model runs on; the owner keeps and disposes them. Absent where no stage can run.
   */
  openStages?(refs: readonly StageRef[]): Promise<StageSession[]>;
}

/** The sessions of `refs` (none for an empty or absent chain); throws when the context cannot run stages. */
export async function stageSessions(context: JobContext, refs: readonly StageRef[] | undefined): Promise<StageSession[]> {
  if (!refs || refs.length === 0) return [];
  if (!context.openStages) throw new Error('image-to-image stages cannot run here; remove the stages from the export chain');
  return context.openStages(refs);
}
