/**
 * Unchanged inputs are not sent again (SentFeeds on the client, KeptFeeds on the host): what a
 * request carries, what the host fills in, and how the two recover when they disagree. The host
 * here is KeptFeeds itself behind a structured-clone carrier, answering with the whole feeds it
 * would run, so every test checks what the graph would have received; the real processes and
 * sockets are checked in main/web/native-socket.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { FromNative, ToNative } from '../contract/native';
import type { Feeds } from '../inference/runner';
import type { Manifest } from '../model/manifest';
import { KeptFeeds, KeptFeedsError, NativeConnection, nativeGraphRunner, SentFeeds } from './native-runner';

const manifest = {
  id: 'two-inputs',
  extra_inputs: [],
  graphs: { synthesis: { file: 'synthesis.onnx', inputs: ['ws', 'noise'], outputs: ['img'] } },
} as unknown as Manifest;

const tensor = (values: number[], dims = [values.length]) => ({ data: Float32Array.from(values), dims });

/** A host whose "graph" returns its whole inputs; `forget()` makes it lose what it kept, as a restarted one would. */
function echoHost() {
  let kept = new KeptFeeds();
  const requests: Extract<ToNative, { type: 'run' }>[] = [];
  const listeners: ((message: FromNative) => void)[] = [];
  const endpoint = {
    send(message: ToNative) {
      const m = structuredClone(message) as Extract<ToNative, { type: 'run' }>;
      requests.push(m);
      let answer: FromNative;
      try {
        answer = { type: 'result', id: m.id, outputs: kept.merge(m.graph, m.feeds, m.kept) };
      } catch (error) {
        answer = { type: 'failed', id: m.id, name: (error as Error).name, message: (error as Error).message };
      }
      queueMicrotask(() => listeners.forEach((listener) => listener(answer)));
    },
    onMessage: (listener: (message: FromNative) => void) => void listeners.push(listener),
  };
  const runner = nativeGraphRunner(new NativeConnection(endpoint), manifest, { provider: 'cpu', fallbackReason: null }, async () => {});
  return { runner, requests, forget: () => (kept = new KeptFeeds()) };
}

const values = (feeds: Feeds) => Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, [...t.data]]));

describe('inputs that did not change are not sent again', () => {
  it('sends every input the first time, then only the changed ones, and the host runs the whole feeds', async () => {
    const { runner, requests } = echoHost();
    const noise = tensor([0.5, -1, 2, 3], [1, 1, 2, 2]);
    expect(values(await runner.run('synthesis', { ws: tensor([1, 2]), noise }))).toEqual({ ws: [1, 2], noise: [0.5, -1, 2, 3] });
    expect(Object.keys(requests[0]!.feeds).sort()).toEqual(['noise', 'ws']);
    expect(requests[0]!.kept).toBeUndefined();

    expect(values(await runner.run('synthesis', { ws: tensor([3, 4]), noise }))).toEqual({ ws: [3, 4], noise: [0.5, -1, 2, 3] });
    expect(Object.keys(requests[1]!.feeds)).toEqual(['ws']);
    expect(requests[1]!.kept).toEqual(['noise']);

    // Equal content in another array is kept too; what counts is the bits, not the object.
    await runner.run('synthesis', { ws: tensor([3, 4]), noise: tensor([0.5, -1, 2, 3], [1, 1, 2, 2]) });
    expect(Object.keys(requests[2]!.feeds)).toEqual([]);
    expect(requests[2]!.kept!.sort()).toEqual(['noise', 'ws']);
  });

  it('sends an array again when its caller refilled it in place, or when its dims changed', async () => {
    const { runner, requests } = echoHost();
    const ws = tensor([1, 2]);
    const noise = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    await runner.run('synthesis', { ws, noise });
    noise.data[3] = 9;
    expect(values(await runner.run('synthesis', { ws, noise }))).toEqual({ ws: [1, 2], noise: [1, 2, 3, 9] });
    expect(Object.keys(requests[1]!.feeds)).toEqual(['noise']);
    await runner.run('synthesis', { ws, noise: { data: noise.data, dims: [1, 1, 1, 4] } });
    expect(Object.keys(requests[2]!.feeds)).toEqual(['noise']);
    // -0 and 0, or two NaNs with other bits, are different inputs to a graph: compared bit for bit.
    await runner.run('synthesis', { ws: tensor([-0, 2]), noise: tensor([1, 2, 3, 9], [1, 1, 1, 4]) });
    expect(Object.keys(requests[3]!.feeds)).toEqual(['ws']);
  });

  it('sends everything again, at once, when the host no longer holds a kept input', async () => {
    const { runner, requests, forget } = echoHost();
    const noise = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    await runner.run('synthesis', { ws: tensor([1, 2]), noise });
    forget();
    expect(values(await runner.run('synthesis', { ws: tensor([5, 6]), noise }))).toEqual({ ws: [5, 6], noise: [1, 2, 3, 4] });
    // The refused request, then the same one whole.
    expect(requests.slice(1).map((r) => [Object.keys(r.feeds).sort(), r.kept ?? []])).toEqual([
      [['ws'], ['noise']],
      [['noise', 'ws'], []],
    ]);
  });

  it('keeps a history per graph and forgets it after a failure', () => {
    const sent = new SentFeeds();
    const noise = tensor([1, 2]);
    expect(sent.split('synthesis', { noise }).kept).toEqual([]);
    expect(sent.split('generator', { noise }).kept).toEqual([]);
    expect(sent.split('synthesis', { noise }).kept).toEqual(['noise']);
    sent.forget('synthesis');
    expect(sent.split('synthesis', { noise })).toEqual({ feeds: { noise }, kept: [] });
  });

  it('refuses a kept input the carrier never sent, or one sent and kept at once, and then holds nothing for that graph', () => {
    const kept = new KeptFeeds();
    expect(() => kept.merge('synthesis', { ws: tensor([1]) }, ['noise'])).toThrow(KeptFeedsError);
    expect(() => kept.merge('synthesis', { ws: tensor([1]) }, ['noise'])).toThrow(/input "noise" of graph "synthesis" was to be reused, but it was not sent before/);
    kept.merge('synthesis', { ws: tensor([1]), noise: tensor([2]) });
    expect(() => kept.merge('synthesis', { ws: tensor([1]) }, ['ws'])).toThrow(/it was also sent/);
    // After a refusal the host holds nothing for the graph: the client's retry sends it all.
    expect(() => kept.merge('synthesis', {}, ['noise'])).toThrow(KeptFeedsError);
    // Inputs of one request only: an input not in the last request is not held.
    kept.merge('synthesis', { ws: tensor([1]) });
    expect(() => kept.merge('synthesis', { ws: tensor([1]) }, ['noise'])).toThrow(KeptFeedsError);
  });
});
