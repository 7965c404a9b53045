/**
 * "Latest request wins" scheduling: requests are handled one at a time; a request that arrives
 * while one is being handled replaces any request still waiting. Dragging a slider therefore never
 * builds a queue, and the last position is always rendered.
 */

/** Runs submitted requests one at a time, skipping to the newest. */
export class LatestWins<T> {
  private pending: T | null = null;
  private running = false;
  /** Exclusive tasks waiting: they go before any request, even one submitted after them. */
  private exclusiveWaiting = 0;
  private idleWaiters: (() => void)[] = [];

  /** @param handle does the work for one request; its errors are the handler's to report. */
  constructor(private readonly handle: (request: T) => Promise<void>) {}

  /** Submit a request; an older request still waiting is dropped. */
  submit(request: T): void {
    this.pending = request;
    void this.drain();
  }

  /** Drop the waiting request, if any (the one in flight still finishes). */
  clear(): void {
    this.pending = null;
  }

  /** Resolves when nothing is in flight. */
  idle(): Promise<void> {
    return this.running ? new Promise((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
  }

  /**
   * Run `task` exclusively: after the request in flight, before any waiting one (used to swap
   * models between frames).
   */
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

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.pending !== null && this.exclusiveWaiting === 0) {
        const request = this.pending;
        this.pending = null;
        await this.handle(request);
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
