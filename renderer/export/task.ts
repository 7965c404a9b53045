/**
 * The running export (one at a time): its progress in the store, its cancel, its outcome in the
 * export status line or the error banner. Also the bridge from background jobs to exports: a job's
 * items as an async iterable that the export consumes at its own pace.
 */
import type { ModelEntry } from '../../app/contract/channels';
import { chainResolution, type StageRef } from '../../app/inference/stages';
import type { JobItem, JobKind, JobTypes } from '../../app/jobs/registry';
import { getHost } from '../platform/host';
import { inference } from '../inference/studio';
import { studioStore } from '../store';

/** Thrown inside an export when the user cancelled it. */
export class ExportCancelled extends Error {
  override readonly name = 'ExportCancelled';
  constructor() {
    super('the export was cancelled');
  }
}

let running: AbortController | null = null;

/** Reports how many of the export's steps are done. */
export type Progress = (done: number) => void;

/**
 * Run an export of `total` steps. `work` reports progress, stops at `signal`, and resolves to the
 * line shown when it is done. Failures go to the error banner, with `label` saying what failed.
 */
export async function runExport(label: string, total: number, work: (progress: Progress, signal: AbortSignal) => Promise<string>): Promise<void> {
  const store = studioStore.getState();
  if (running) {
    store.showError(`${label} did not start: another export is running. Wait for it or cancel it first.`);
    return;
  }
  const controller = new AbortController();
  running = controller;
  const startedAt = performance.now();
  store.setExportMessage(null);
  store.setExportProgress({ label, done: 0, total, startedAt });
  try {
    const message = await work((done) => studioStore.getState().setExportProgress({ label, done, total, startedAt }), controller.signal);
    studioStore.getState().setExportMessage(message);
  } catch (error) {
    if (!(error instanceof ExportCancelled)) {
      studioStore.getState().showError(`${label} failed: ${(error as Error).message}. Nothing partial was kept; try again, or another format or size.`);
    } else {
      studioStore.getState().setExportMessage(`${label} cancelled: no partial file was left behind.`);
    }
  } finally {
    running = null;
    studioStore.getState().setExportProgress(null);
  }
}

/** Cancel the running export, if any. */
export function cancelExport(): void {
  running?.abort();
}

/** Throw {@link ExportCancelled} once `signal` has fired. */
export function checkCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new ExportCancelled();
}

/**
 * A background job's items, in order, as the export asks for them. The job runs ahead (the worker
 * renders while the export encodes and writes); leaving the loop early, an error or `signal`
 * cancels it. Throws {@link ExportCancelled} when cancelled, the job's error when it fails.
 */
export async function* jobItems<K extends JobKind>(job: { kind: K; params: JobTypes[K]['params'] }, signal: AbortSignal): AsyncGenerator<JobItem<K>> {
  const queue: JobItem<K>[] = [];
  // Filled in by callbacks, read by the loop (an object, so the loop sees their writes).
  const ended: { result: { cancelled: boolean } | { error: Error } | null } = { result: null };
  let wake: (() => void) | null = null;
  const poke = () => wake?.();
  const started = inference().runJob(job, (item) => {
    queue.push(item);
    poke();
  });
  started.done.then(
    (result) => {
      ended.result = result;
      poke();
    },
    (error: Error) => {
      ended.result = { error };
      poke();
    },
  );
  const onAbort = () => {
    started.cancel();
    poke();
  };
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      checkCancelled(signal);
      const item = queue.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      const end = ended.result;
      if (end && 'error' in end) throw end.error;
      if (end?.cancelled) throw new ExportCancelled();
      if (end) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!ended.result) started.cancel();
  }
}

/**
 * The export's stage chain as jobs name it (app/inference/stages.ts), in order. Throws when a
 * chained stage has left the library, so an export never silently skips one.
 */
export function stageRefs(): StageRef[] {
  const { stages, stageChain } = studioStore.getState();
  return stageChain.map((id) => {
    const entry = stages.find((s) => s.id === id);
    if (!entry) throw new Error(`the stage "${id}" is no longer in the library; remove it from the export chain`);
    return { id: entry.id, manifest: entry.manifest };
  });
}

/** The open model's picture edge after the export's stage chain (before the export scale). */
export function stagedResolution(entry: ModelEntry): number {
  return chainResolution(entry.manifest.resolution, stageRefs().map((r) => r.manifest));
}

/** The open model, or an error that says to open one. */
export function openModel(): ModelEntry {
  const { models, modelId, modelStatus } = studioStore.getState();
  const entry = models.find((m) => m.id === modelId);
  if (!entry || modelStatus !== 'ready') throw new Error('no model is open yet; wait until the preview shows a picture');
  return entry;
}

let software: Promise<string> | null = null;

/** "Latent Studio <version>", for provenance records. */
export function softwareName(): Promise<string> {
  software ??= getHost()
    .appInfo({})
    .then(
      (info) => `${info.name} ${info.version}`,
      (error: Error) => {
        software = null; // ask again next time
        throw error;
      },
    );
  return software;
}

/** The folder part of a path the host reported (either separator). */
export function folderOf(file: string): string {
  const cut = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return cut > 0 ? file.slice(0, cut) : file;
}
