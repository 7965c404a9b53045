/**
 * The studio controller: connects the store to the host and the inference worker. Model or backend
 * changes load the model; latent changes request a frame; frames are drawn straight to the preview
 * canvas (no React render per frame).
 */
import { precisionPreference } from '../../app/inference/precision';
import { getHost } from '../platform/host';
import { hostAuthHeaders } from '../platform/host-token';
import { InferenceClient, WorkerStoppedError, type Frame, type WorkerFault } from './client';
import type { FrameTrace } from './protocol';
import { nativeBridge } from './native';
import { registerTestHook } from '../test-hooks';
import { studioStore } from '../store';

import { feedPerformFrame } from '../live/perform';
import { stateKey, type LatentState } from '../../app/state/latent-state';
import { audioTime } from '../audio/playback';

let canvas: HTMLCanvasElement | null = null;
let lastFrame: Frame | null = null;
let framesDrawn = 0;

function paint(image: ImageData | ImageBitmap, key: string, trace?: FrameTrace): void {
  if (!canvas) return;
  if (canvas.width !== image.width || canvas.height !== image.height) {
    canvas.width = image.width;
    canvas.height = image.height;
  }
  const context = canvas.getContext('2d');
  // A GPU-drawn bitmap goes to the canvas as an image (no bytes pass through JavaScript).
  if (image instanceof ImageData) context?.putImageData(image, 0, 0);
  else context?.drawImage(image, 0, 0);
  framesDrawn += 1;
  // Tests and tools wait for these: what the pixels show, and how many frames were drawn.
  canvas.dataset.renderedKey = key;
  canvas.dataset.frames = String(framesDrawn);
  // The performance output shows exactly what the preview shows.
  feedPerformFrame(image, key);
  // And these say how the frame was made: 'gpu' frames were never read back (protocol.ts FrameTrace).
  if (trace) {
    canvas.dataset.framePath = trace.path;
    canvas.dataset.deviceReadbacks = String(trace.deviceReadbacks);
    if (trace.gpuPathOff) canvas.dataset.gpuPathOff = trace.gpuPathOff;
    else delete canvas.dataset.gpuPathOff;
  }
}

const frameListeners = new Set<(frame: Frame) => void>();

/** Be told of every frame of the current state (the latent map follows it); returns the unsubscriber. */
export function onFrame(listener: (frame: Frame) => void): () => void {
  frameListeners.add(listener);
  if (lastFrame) listener(lastFrame);
  return () => frameListeners.delete(listener);
}

/** Audio playback's requests: stamp → the frame of the track it shows and the track time it was asked at. */
const audioFrames = new Map<number, { frame: number; askedAt: number | null }>();
/** A running mean of how long an audio frame takes from request to canvas (s). */
let audioRenderSeconds = 0;

function draw(frame: Frame): void {
  // The previous frame's GPU bitmap is kept until now, so a re-attached canvas can draw it again.
  if (lastFrame && lastFrame !== frame && !(lastFrame.image instanceof ImageData)) lastFrame.image.close();
  lastFrame = frame;
  for (const listener of frameListeners) listener(frame);
  const asked = audioFrames.get(frame.stamp);
  if (asked !== undefined) {
    const audioFrame = asked.frame;
    // Older requests were skipped by the worker (latest wins): forget them.
    for (const stamp of audioFrames.keys()) if (stamp <= frame.stamp) audioFrames.delete(stamp);
    if (!studioStore.getState().playing) return;
    paint(frame.image, `audio|${audioFrame}|${stateKey(studioStore.getState().modelId ?? '', frame.state)}`);
    // How far the picture trails the sound as it appears (tests and the docs read it).
    const heard = audioTime();
    const fps = studioStore.getState().audioFeatures?.fps;
    if (heard !== null && asked.askedAt !== null) audioRenderSeconds += 0.2 * (heard - asked.askedAt - audioRenderSeconds);
    if (canvas && heard !== null && fps) canvas.dataset.audioLagMs = String(Math.round((heard - audioFrame / fps) * 1000));
    return;
  }
  if (studioStore.getState().playing) return; // playback owns the canvas until it stops
  paint(frame.image, stateKey(studioStore.getState().modelId ?? '', frame.state), frame.trace);
}

/** Show a playback frame in the preview (the key says which: `timeline|<frame>`). */
export function showPlaybackFrame(image: ImageData, frame: number): void {
  paint(image, `timeline|${frame}`);
}

/** Render and show the state of audio frame `frame` (the key says which: `audio|<frame>|<state key>`); the newest request wins. */
export function showAudioFrame(state: LatentState, frame: number): void {
  if (!client) return;
  audioFrames.set(client.render(state), { frame, askedAt: audioTime() });
}

/**
 * How long an audio frame has lately taken from request to canvas (s): playback asks for the frame
 * that will be heard when it appears, so the picture lands on its sound rather than behind it.
 */
export function audioFrameLead(): number {
  return Math.min(0.5, Math.max(0, audioRenderSeconds));
}

/** After playback: show the studio's current state again. */
export function showCurrentState(): void {
  client?.render(studioStore.getState().latent);
}

/** Attach the preview canvas (called by the Preview component; null on unmount). */
export function attachPreview(element: HTMLCanvasElement | null): void {
  canvas = element;
  if (canvas && lastFrame) draw(lastFrame);
}

let client: InferenceClient | null = null;

/** The inference client (for background jobs such as the mixing grid). */
export function inference(): InferenceClient {
  if (!client) throw new Error('the studio has not started');
  return client;
}

let started = false;

/** More worker faults than this within {@link FAULT_WINDOW_MS} stop the automatic restarts. */
const MAX_FAULTS = 3;
const FAULT_WINDOW_MS = 60_000;

/** Start the studio once per window: list models, open the default, keep the preview live. */
export async function startStudio(): Promise<void> {
  if (started) return;
  started = true;
  const store = studioStore;
  /** Why WebGPU is off for this session (its device was lost), or null. */
  let gpuLost: string | null = null;
  /** Why the native runtime is off for this session (its process ended), or null. */
  let nativeLost: string | null = null;
  const faults: number[] = [];
  // The host says what it can do (native inference among it) before anything depends on that.
  let capabilities;
  try {
    const info = await getHost().appInfo({});
    store.getState().setHostInfo(info);
    capabilities = info.capabilities;
  } catch (error) {
    store.getState().showError(`Could not reach the studio host: ${(error as Error).message}. Restart the studio.`);
    return;
  }
  // A crashed worker or a lost GPU device: start a fresh worker (on WASM after a device loss) and
  // render the current state again. The store keeps the state, so nothing the user made is lost.
  const recover = (fault: WorkerFault) => {
    const now = performance.now();
    faults.push(now);
    while (faults[0]! < now - FAULT_WINDOW_MS) faults.shift();
    if (faults.length > MAX_FAULTS) {
      store.getState().setModelStatus('error');
      store
        .getState()
        .showError(`The inference worker failed ${faults.length} times in a minute (${fault.message}). Reload the studio; if it happens again, choose WASM in the backend menu.`);
      return;
    }
    if (fault.kind === 'device-lost') gpuLost = `the GPU device was lost (${fault.message})`;
    if (fault.kind === 'native-lost') nativeLost = `the native inference process ended (${fault.message})`;
    worker.restart();
    store
      .getState()
      .showError(
        fault.kind === 'device-lost'
          ? `The GPU device was lost (${fault.message}). The studio switched to WASM and rendered your image again; choose WebGPU in the backend menu to retry the GPU.`
          : fault.kind === 'native-lost'
            ? `The native inference process ended unexpectedly (${fault.message}). The studio switched to WASM and rendered your image again; choose Native in the backend menu to retry it.`
            : 'The inference worker stopped unexpectedly. The studio restarted it and rendered your image again; nothing was lost.',
      );
    void load();
  };
  const worker = new InferenceClient(
    (frame) => {
      draw(frame);
      store.getState().setFrameMs(frame.ms);
    },
    (message) => store.getState().showError(`Rendering failed: ${message}`),
    recover,
    // The desktop app hands the worker ports to its native processes; the browser host serves a socket.
    store.getState().hostInfo?.host === 'web' ? (capabilities.nativeInference ? 'socket' : null) : nativeBridge(capabilities),
  );
  client = worker;
  window.addEventListener('beforeunload', () => worker.dispose());
  registerTestHook('crashWorker', () => worker.crashForTest());
  registerTestHook('loseGpuDevice', () => worker.loseGpuDeviceForTest());

  let loadToken = 0;
  const load = async () => {
    const { modelId, models, preference } = store.getState();
    const entry = models.find((m) => m.id === modelId);
    if (!entry) return;
    const token = ++loadToken;
    store.getState().setModelStatus('loading');
    try {
      const loaded = await worker.load({ id: entry.id, baseUrl: entry.baseUrl, manifest: entry.manifest, headers: hostAuthHeaders() }, preference, { gpu: gpuLost, native: nativeLost }, precisionPreference(new URLSearchParams(window.location.search).get('precision')));
      if (token !== loadToken) return;
      store.getState().setBackend(loaded.backend, loaded.fallbackReason, loaded.provider, loaded.precision);
      store.getState().setModelStatus('ready');
      worker.render(store.getState().latent);
    } catch (error) {
      // A stopped worker is being restarted by recover(), which loads the model again.
      if (token !== loadToken || error instanceof WorkerStoppedError) return;
      store.getState().setModelStatus('error');
      store
        .getState()
        .showError(`Could not open model "${entry.name}": ${(error as Error).message}. Choose another model or re-import this one.`);
    }
  };

  store.subscribe((state, previous) => {
    if (state.preference !== previous.preference) gpuLost = nativeLost = null; // the user asks again: try them again
    if (state.modelId !== previous.modelId || state.preference !== previous.preference) void load();
    else if (state.latent !== previous.latent && state.modelStatus === 'ready') worker.render(state.latent);
  });

  try {
    const { models, stages, defaultModelId, problems } = await getHost().listModels({});
    store.getState().setModels(models);
    store.getState().setStages(stages);
    store.getState().setLibraryProblems(problems);
    // ?model=<id> opens a specific model (links, tests); otherwise the library's default.
    const asked = new URLSearchParams(window.location.search).get('model');
    const first = models.some((m) => m.id === asked) ? asked : defaultModelId;
    if (!first) {
      store.getState().showError('No model packages were found. Import a model package to begin.');
      return;
    }
    store.getState().selectModel(first);
  } catch (error) {
    store.getState().showError(`Could not reach the studio host: ${(error as Error).message}. Restart the studio.`);
  }
}
