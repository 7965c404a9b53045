/**
 * A running import as something the renderer can follow and stop: the importer counts bytes into
 * an {@link ImportJob} as it receives, hashes and copies them, and checks it for a cancel between
 * chunks. Both hosts share this: Electron's renderer polls and aborts over IPC, the browser's over
 * HTTP, by the job id it drew (contract: importProgress, abortImport).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImportProgress } from '../../app/contract/channels';

/**
 * Test-only: slow every import down to this many bytes per second, so an end-to-end test can watch
 * the progress bar and press Cancel mid-copy without generating hundreds of MB. Unset (the only
 * setting users have), imports run at disk speed.
 */
export const TEST_THROTTLE_ENV = 'LATENT_STUDIO_TEST_IMPORT_BYTES_PER_SECOND';

/** Raised inside an import the user cancelled; the import removes its partial copy as it unwinds. */
export class ImportCancelledError extends Error {
  override readonly name = 'ImportCancelledError';
}

function throttleFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[TEST_THROTTLE_ENV];
  if (!text) return 0;
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate <= 0) throw new Error(`${TEST_THROTTLE_ENV} must be a positive number of bytes per second, got "${text}"`);
  return rate;
}

/** One import: its progress, and whether it was cancelled. */
export class ImportJob {
  private readonly controller = new AbortController();
  private report: ImportProgress | null = null;
  private phaseStarted = 0;
  private committing = false;

  /** @param bytesPerSecond test-only pacing (see {@link TEST_THROTTLE_ENV}); 0: none. */
  constructor(
    readonly fileName: string,
    private readonly bytesPerSecond = throttleFromEnv(),
  ) {}

  /** The last progress report (null until the first phase starts). */
  get progress(): ImportProgress | null {
    return this.report && { ...this.report };
  }

  /** Begin a phase of `total` bytes (0: not known). */
  startPhase(phase: ImportProgress['phase'], total: number): void {
    this.check();
    this.report = { phase, done: 0, total };
    this.phaseStarted = Date.now();
  }

  /** Count `bytes` more of the current phase done; throws {@link ImportCancelledError} once cancelled. */
  async advance(bytes: number): Promise<void> {
    this.check();
    if (!this.report) throw new Error('ImportJob.advance before startPhase');
    this.report.done += bytes;
    if (this.bytesPerSecond > 0) {
      const due = this.phaseStarted + (this.report.done / this.bytesPerSecond) * 1000 - Date.now();
      if (due > 0) {
        try {
          await sleep(due, undefined, { signal: this.controller.signal });
        } catch (error) {
          if (!this.controller.signal.aborted) throw error;
        }
      }
      this.check();
    }
  }

  /** Set how much of the current phase is done (work that reports fractions, not bytes: a conversion). */
  setDone(done: number): void {
    if (this.report) this.report.done = Math.min(this.report.total, Math.max(this.report.done, Math.round(done)));
  }

  /** Throw {@link ImportCancelledError} if the user cancelled. */
  check(): void {
    if (this.controller.signal.aborted) throw new ImportCancelledError(`the import of ${this.fileName} was cancelled; the library was not changed`);
  }

  /**
   * The import is about to move the finished package into the library: from here on it completes,
   * so a cancel is refused rather than leaving half a model listed. Throws if already cancelled.
   */
  commit(): void {
    this.check();
    this.committing = true;
  }

  /** Cancel, unless the import is already committing; returns whether it will stop. */
  abort(): boolean {
    if (this.committing) return false;
    this.controller.abort();
    return true;
  }
}

/** The imports running in one host, by the job id the renderer drew. */
export class ImportJobs {
  private readonly running = new Map<string, ImportJob>();

  /** Run `work` as job `id` (untracked when `id` is undefined), so it can be followed and cancelled. */
  async run<T>(id: string | undefined, fileName: string, work: (job: ImportJob) => Promise<T>): Promise<T> {
    const job = new ImportJob(fileName);
    if (id === undefined) return work(job);
    if (this.running.has(id)) throw new Error(`import job ${id} is already running`);
    this.running.set(id, job);
    try {
      return await work(job);
    } finally {
      this.running.delete(id);
    }
  }

  /** The progress of job `id`, or null when no such import runs. */
  progress(id: string): ImportProgress | null {
    return this.running.get(id)?.progress ?? null;
  }

  /** Cancel job `id`; false when it is not running or already committing. */
  abort(id: string): boolean {
    return this.running.get(id)?.abort() ?? false;
  }
}
