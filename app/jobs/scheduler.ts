/**
 * The inference worker's one queue. Runs one thing at a time, in this order:
 * 1. exclusive tasks (model swaps), before anything submitted after them;
 * 2. the preview: latest request wins — a request that arrives while another is in flight replaces
 *    any request still waiting, so dragging a slider never builds a queue;
 * 3. background jobs (grids, thumbnails, sampling, export), one step at a time, first in first
 *    out. The preview's latest-wins rule never drops a job step; the preview just goes first.
 */

/** One unit of background work. */
export type JobStep = () => Promise<void>;

interface Job {
  id: string;
  steps: Iterator<JobStep>;
}

/** See the module comment. */
export class Scheduler<P> {
  private pending: P | null = null;
  private jobs: Job[] = [];
  private running = false;
  private exclusiveWaiting = 0;
  private idleWaiters: (() => void)[] = [];

  /** @param preview renders one preview request; its errors are its own to report. */
  constructor(private readonly preview: (request: P) => Promise<void>) {}

  /** Submit a preview request; an older one still waiting is dropped. */
  submit(request: P): void {
    this.pending = request;
    void this.drain();
  }

  /** Drop the waiting preview request, if any (the one in flight still finishes). */
  clear(): void {
    this.pending = null;
  }

  /** Queue a background job; its steps are pulled one at a time, so they may be made lazily. */
  enqueue(id: string, steps: Iterable<JobStep>): void {
    this.jobs.push({ id, steps: steps[Symbol.iterator]() });
    void this.drain();
  }

  /** Cancel a job: no further step of it runs (the one in flight finishes). True if it was queued. */
  cancel(id: string): boolean {
    const before = this.jobs.length;
    this.jobs = this.jobs.filter((job) => job.id !== id);
    return this.jobs.length !== before;
  }

  /** Cancel every job. */
  cancelAll(): void {
    this.jobs = [];
  }

  /** Ids of the jobs still queued. */
  queuedJobs(): string[] {
    return this.jobs.map((job) => job.id);
  }

  /** Resolves when nothing is in flight. */
  idle(): Promise<void> {
    return this.running ? new Promise((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
  }

  /** Run `task` alone: after the work in flight, before any waiting preview request or job step. */
  async exclusive<R>(task: () => Promise<R>): Promise<R> {
    this.exclusiveWaiting += 1;
    while (this.running) await this.idle();
    this.exclusiveWaiting -= 1;
    this.running = true;
    try {
      return await task();
    } finally {
      this.running = false;
      this.wakeIdle();
      void this.drain();
    }
  }

  private nextStep(): JobStep | null {
    while (this.jobs.length > 0) {
      const job = this.jobs[0]!;
      const next = job.steps.next();
      if (!next.done) return next.value;
      this.jobs.shift();
    }
    return null;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.exclusiveWaiting === 0) {
        if (this.pending !== null) {
          const request = this.pending;
          this.pending = null;
          await this.preview(request);
          continue;
        }
        const step = this.nextStep();
        if (!step) break;
        await step();
      }
    } finally {
      this.running = false;
      this.wakeIdle();
    }
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
