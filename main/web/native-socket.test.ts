/**
 * The browser host's native path over real loopback sockets: the built native host process
 * (onnxruntime-node) behind the host's WebSocket, driven as the page's worker drives it. Its
 * pixels are checked against onnxruntime-web WASM's on the same fixture; the socket's guards
 * (token, Origin, model id), bad frames, and a killed process are checked too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWebHost, type WebHost } from './server';
import { buildNativeHostForTests, type TestHost } from '../../test-support/native-host';
import { openTestSocket } from '../../test-support/websocket-client';
import { NATIVE_SOCKET_ROUTE } from '../../app/contract/routes';
import { encodeNativeMessage, joinParts } from '../../app/contract/native-wire';
import { openWasmPipeline } from '../inference/ort-web-node';
import { latentState } from '../../app/state/latent-state';
import { createPipeline } from '../../app/inference/render';
import { nativeGraphRunner, NativeConnection, type NativeEndpoint } from '../../app/runtime/native-runner';
import type { ToNative } from '../../app/contract/native';
import { readManifest, readNoiseConst } from '../services/library';
import { nativeInferenceAvailable } from './native-socket';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(ROOT, 'models/fixtures/stylegan-tiny');
let host: WebHost;
let native: TestHost;
let dataDir: string;
let port: number;
let origin: string;

const socketPath = (model: string, token = host.token) => `${NATIVE_SOCKET_ROUTE}?model=${encodeURIComponent(model)}&token=${encodeURIComponent(token)}`;
const open = (model = 'fixture-stylegan-tiny', headers: Record<string, string> = { Origin: origin }, token?: string) => openTestSocket(port, socketPath(model, token), headers);

/** The native host processes this test process started (the in-process web host forks them). */
function nativeChildren(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(path.basename(native.entry)))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

beforeAll(async () => {
  native = await buildNativeHostForTests();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'latent-native-socket-'));
  host = await startWebHost({ rendererDir: path.join(ROOT, 'dist/renderer'), modelsDir: path.join(ROOT, 'models'), includeFixtures: true, dataDir, nativeHostEntry: native.entry, nativeThreads: 1 });
  origin = host.origin;
  port = Number(new URL(origin).port);
}, 60_000);
afterAll(async () => {
  await host?.close();
  await native?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the browser host serves native inference over its WebSocket', () => {
  it('says so in appInfo where onnxruntime-node and the host build are present', async () => {
    const res = await fetch(`${origin}/api/app%3Ainfo`, { method: 'POST', body: '{}', headers: { 'X-Latent-Studio-Token': host.token } });
    expect(((await res.json()) as { capabilities: { nativeInference: boolean } }).capabilities.nativeInference).toBe(true);
    const bare = await startWebHost({ rendererDir: path.join(ROOT, 'dist/renderer'), modelsDir: path.join(ROOT, 'models'), includeFixtures: true, dataDir, nativeHostEntry: path.join(dataDir, 'no-such-host.cjs') });
    try {
      const info = await fetch(`${bare.origin}/api/app%3Ainfo`, { method: 'POST', body: '{}', headers: { 'X-Latent-Studio-Token': bare.token } });
      expect(((await info.json()) as { capabilities: { nativeInference: boolean } }).capabilities.nativeInference).toBe(false);
      const refused = await openTestSocket(Number(new URL(bare.origin).port), `${NATIVE_SOCKET_ROUTE}?model=fixture-stylegan-tiny&token=${bare.token}`, { Origin: bare.origin });
      expect([refused.status, refused.body]).toEqual([503, expect.stringMatching(/no native runtime/)]);
    } finally {
      await bare.close();
    }
  });

  it('counts native as available only where onnxruntime-node resolves from the host build', () => {
    expect(nativeInferenceAvailable(native.entry)).toBe(true);
    // A host build outside the repository (an install without the optional dependency) has none.
    const stray = path.join(os.tmpdir(), `latent-native-${process.pid}.cjs`);
    writeFileSync(stray, '');
    try {
      expect(nativeInferenceAvailable(stray)).toBe(false);
    } finally {
      rmSync(stray, { force: true });
    }
  });

  it('renders the pixels onnxruntime-web WASM renders, within 1 level, converted in the host', async () => {
    const socket = await open();
    expect(socket.status).toBe(101);
    const opened = await socket.next();
    expect(opened).toMatchObject({ type: 'opened', id: 0, modelId: 'fixture-stylegan-tiny', provider: expect.any(String) });
    // The page's own client code over this socket: the pipeline above a native GraphRunner.
    const connection = new NativeConnection(socket.endpoint);
    const manifest = await readManifest(FIXTURE);
    const viaSocket = createPipeline(nativeGraphRunner(connection, manifest, { provider: 'cpu', fallbackReason: null }, async () => socket.close()), manifest);
    const wasm = await openWasmPipeline(FIXTURE);
    try {
      for (const state of [latentState({ seed: 0, psi: 1 }), latentState({ seed: 42, psi: 0.5 })]) {
        const got = await viaSocket.renderPixels(state);
        const want = await wasm.pipeline.renderPixels(state);
        expect([got.image.width, got.image.height]).toEqual([want.image.width, want.image.height]);
        let worst = 0;
        for (let i = 0; i < want.image.data.length; i++) worst = Math.max(worst, Math.abs(got.image.data[i]! - want.image.data[i]!));
        expect(worst).toBeLessThanOrEqual(1);
        // Not a blank frame: the fixture draws a picture.
        expect(new Set(got.image.data).size).toBeGreaterThan(16);
      }
      // Errors cross with their class name: a wrong ws shape is refused before the process.
      await expect(connection.request({ type: 'run', graph: 'synthesis', feeds: { ws: { data: new Float32Array(3), dims: [1, 3] } } })).rejects.toMatchObject({ name: 'ShapeError' });
    } finally {
      await wasm.runner.dispose();
      socket.close();
      await socket.closed;
    }
  }, 60_000);

  it('sends the noise maps once: a ψ change sends ws, and the native process runs with the noise it kept', async () => {
    const dir = path.join(ROOT, 'models/emoji-stylegan');
    const socket = await open('emoji-stylegan');
    expect(await socket.next()).toMatchObject({ type: 'opened', modelId: 'emoji-stylegan' });
    const sent: ToNative[] = [];
    const recording: NativeEndpoint = { send: (m) => (sent.push(m), socket.endpoint.send(m)), onMessage: (l) => socket.endpoint.onMessage(l) };
    const manifest = await readManifest(dir);
    const noiseNames = manifest.noise_inputs!.map((n) => n.name).sort();
    const viaSocket = createPipeline(nativeGraphRunner(new NativeConnection(recording), manifest, { provider: 'cpu', fallbackReason: null }, async () => socket.close()), manifest, await readNoiseConst(dir, manifest));
    const wasm = await openWasmPipeline(dir);
    try {
      for (const psi of [1, 0.6, 0.3]) {
        const state = latentState({ seed: 3, psi });
        const got = await viaSocket.renderPixels(state);
        const want = await wasm.pipeline.renderPixels(state);
        let worst = 0;
        for (let i = 0; i < want.image.data.length; i++) worst = Math.max(worst, Math.abs(got.image.data[i]! - want.image.data[i]!));
        expect(worst).toBeLessThanOrEqual(1);
      }
      const synthesis = sent.filter((m): m is Extract<ToNative, { type: 'run-pixels' }> => m.type === 'run-pixels');
      expect(synthesis).toHaveLength(3);
      expect(Object.keys(synthesis[0]!.feeds).sort()).toEqual(['ws', ...noiseNames].sort());
      for (const later of synthesis.slice(1)) {
        expect(Object.keys(later.feeds)).toEqual(['ws']);
        expect([...later.kept!].sort()).toEqual(noiseNames);
      }
      // A page naming an input it never sent is answered with the reason; the socket stays open.
      await expect(socket.request({ type: 'run-pixels', graph: 'synthesis', feeds: {}, kept: ['never-sent'], output: 'img', range: [-1, 1] })).rejects.toMatchObject({
        name: 'KeptFeedsError',
        message: expect.stringMatching(/"never-sent" .* was not sent before/),
      });
      // The host then holds nothing for synthesis: the runner's next request is refused once and
      // sent again whole, and the frame is WASM's.
      const before = sent.length;
      const state = latentState({ seed: 4, psi: 1 });
      const got = await viaSocket.renderPixels(state);
      const want = await wasm.pipeline.renderPixels(state);
      expect(got.image.data.every((v, i) => Math.abs(v - want.image.data[i]!) <= 1)).toBe(true);
      const retried = sent.slice(before).filter((m): m is Extract<ToNative, { type: 'run-pixels' }> => m.type === 'run-pixels');
      expect(retried.map((m) => [Object.keys(m.feeds).length, m.kept?.length ?? 0])).toEqual([
        [1, noiseNames.length],
        [1 + noiseNames.length, 0],
      ]);
    } finally {
      await wasm.runner.dispose();
      socket.close();
      await socket.closed;
    }
  }, 60_000);

  it('refuses a socket without the token, from another Origin or none, or for an unknown model', async () => {
    expect((await open('fixture-stylegan-tiny', { Origin: origin }, 'wrong-token')).status).toBe(401);
    expect((await open('fixture-stylegan-tiny', { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await open('fixture-stylegan-tiny', {})).status).toBe(403);
    expect((await openTestSocket(port, `${NATIVE_SOCKET_ROUTE}?model=fixture-stylegan-tiny`, { Origin: origin })).status).toBe(401);
    const unknown = await open('no-such-model');
    expect([unknown.status, unknown.body]).toEqual([404, expect.stringMatching(/No model "no-such-model"/)]);
  });

  it('closes the socket on a frame that is not a native message, and on text', async () => {
    const bad = await open();
    await bad.next();
    bad.sendRaw(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9));
    expect(await bad.closed).toMatchObject({ code: 1002, reason: expect.stringMatching(/LSN1/) });
    const text = await open();
    await text.next();
    text.sendRaw(new TextEncoder().encode('{"type":"run"}'), 0x1);
    expect((await text.closed).code).toBe(1003);
    // An `open` naming a folder is not something a page may send.
    const opener = await open();
    await opener.next();
    opener.sendRaw(joinParts(encodeNativeMessage({ type: 'open', id: 1, dir: '/etc', options: { numThreads: 1, providers: 'cpu' } })));
    expect(await opener.closed).toMatchObject({ code: 1002 });
  }, 60_000);

  it('closes the socket with the reason when its native process is killed, and ends the process when the socket closes', async () => {
    const before = new Set(nativeChildren());
    const socket = await open();
    await socket.next();
    const started = nativeChildren().filter((pid) => !before.has(pid));
    expect(started).toHaveLength(1);
    process.kill(started[0]!, 'SIGKILL');
    expect(await socket.closed).toMatchObject({ code: 1011, reason: expect.stringMatching(/ended unexpectedly \(signal SIGKILL\)/) });

    const second = await open();
    await second.next();
    const [pid] = nativeChildren().filter((p) => !before.has(p));
    second.close();
    await second.closed;
    await expect.poll(() => nativeChildren().includes(pid!), { timeout: 10_000 }).toBe(false);
  }, 60_000);
});
