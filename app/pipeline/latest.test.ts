import { describe, expect, it } from 'vitest';
import { LatestWins } from './latest';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('LatestWins', () => {
  it('handles one at a time and skips to the newest request', async () => {
    const handled: number[] = [];
    const gates = new Map<number, ReturnType<typeof deferred>>();
    const queue = new LatestWins<number>(async (n) => {
      handled.push(n);
      const gate = deferred();
      gates.set(n, gate);
      await gate.promise;
    });
    queue.submit(1); // starts at once
    for (let n = 2; n <= 10; n++) queue.submit(n); // 2…9 are replaced while 1 runs
    expect(handled).toEqual([1]);
    gates.get(1)!.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(handled).toEqual([1, 10]);
    gates.get(10)!.resolve();
    await queue.idle();
    expect(handled).toEqual([1, 10]);
  });

  it('runs an exclusive task between requests and drops what was waiting when cleared', async () => {
    const log: string[] = [];
    const gate = deferred();
    const queue = new LatestWins<string>(async (s) => {
      log.push(`start ${s}`);
      if (s === 'a') await gate.promise;
      log.push(`end ${s}`);
    });
    queue.submit('a');
    queue.submit('b');
    queue.clear();
    const swap = queue.exclusive(async () => void log.push('swap'));
    queue.submit('c');
    gate.resolve();
    await swap;
    await queue.idle();
    expect(log).toEqual(['start a', 'end a', 'swap', 'start c', 'end c']);
  });
});
