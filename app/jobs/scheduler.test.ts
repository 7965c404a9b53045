import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Scheduler', () => {
  it('previews one at a time, skipping to the newest request', async () => {
    const handled: number[] = [];
    const gates = new Map<number, ReturnType<typeof deferred>>();
    const s = new Scheduler<number>(async (n) => {
      handled.push(n);
      const gate = deferred();
      gates.set(n, gate);
      await gate.promise;
    });
    s.submit(1);
    for (let n = 2; n <= 10; n++) s.submit(n);
    expect(handled).toEqual([1]);
    gates.get(1)!.resolve();
    await tick();
    expect(handled).toEqual([1, 10]);
    gates.get(10)!.resolve();
    await s.idle();
    expect(handled).toEqual([1, 10]);
  });

  it('runs an exclusive task before requests submitted after it', async () => {
    const log: string[] = [];
    const gate = deferred();
    const s = new Scheduler<string>(async (x) => {
      log.push(`start ${x}`);
      if (x === 'a') await gate.promise;
      log.push(`end ${x}`);
    });
    s.submit('a');
    s.submit('b');
    s.clear();
    const swap = s.exclusive(async () => void log.push('swap'));
    s.submit('c');
    gate.resolve();
    await swap;
    await s.idle();
    expect(log).toEqual(['start a', 'end a', 'swap', 'start c', 'end c']);
  });

  it('never drops job steps, lets the preview go first, and cancels between steps', async () => {
    const log: string[] = [];
    const s = new Scheduler<string>(async (x) => void log.push(`preview ${x}`));
    let made = 0;
    function* steps(name: string, n: number) {
      for (let i = 0; i < n; i++) {
        made += 1;
        yield async () => {
          log.push(`${name}${i}`);
          if (name === 'A' && i === 0) {
            s.submit('p1'); // the preview arrives while a job step runs: it goes next
            s.submit('p2'); // …and only its latest request survives
          }
          if (name === 'B' && i === 1) s.cancel('B');
        };
      }
    }
    s.enqueue('A', steps('A', 3));
    s.enqueue('B', steps('B', 5));
    await s.idle();
    expect(log).toEqual(['A0', 'preview p2', 'A1', 'A2', 'B0', 'B1']);
    expect(made).toBe(5); // steps are pulled lazily: B's later steps were never made
    expect(s.queuedJobs()).toEqual([]);
  });
});
