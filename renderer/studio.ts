/**
 * The studio controller: connects the store to the host and the inference worker. Model or backend
 * changes load the model; latent changes request a frame; frames are drawn straight to the preview
 * canvas (no React render per frame).
 */
import { getHost } from './host';
import { InferenceClient, type Frame } from './inference/client';
import { studioStore } from './store';
import { stateKey } from '../app/pipeline/state';

let canvas: HTMLCanvasElement | null = null;
let lastFrame: Frame | null = null;
let framesDrawn = 0;

function paint(image: ImageData, key: string): void {
  if (!canvas) return;
  if (canvas.width !== image.width || canvas.height !== image.height) {
    canvas.width = image.width;
    canvas.height = image.height;
  }
  canvas.getContext('2d')?.putImageData(image, 0, 0);
  framesDrawn += 1;
  // Tests and tools wait for these: what the pixels show, and how many frames were drawn.
  canvas.dataset.renderedKey = key;
  canvas.dataset.frames = String(framesDrawn);
}

function draw(frame: Frame): void {
  lastFrame = frame;
  if (studioStore.getState().playing) return; // playback owns the canvas until it stops
  paint(frame.image, stateKey(studioStore.getState().modelId ?? '', frame.state));
}

/** Show a playback frame in the preview (the key says which: `timeline|<frame>`). */
export function showPlaybackFrame(image: ImageData, frame: number): void {
  paint(image, `timeline|${frame}`);
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

/** Start the studio once per window: list models, open the default, keep the preview live. */
export async function startStudio(): Promise<void> {
  if (started) return;
  started = true;
  const store = studioStore;
  const worker = new InferenceClient(
    (frame) => {
      draw(frame);
      store.getState().setFrameMs(frame.ms);
    },
    (message) => store.getState().showError(`Rendering failed: ${message}`),
  );
  client = worker;
  window.addEventListener('beforeunload', () => worker.dispose());

  let loadToken = 0;
  const load = async () => {
    const { modelId, models, preference } = store.getState();
    const entry = models.find((m) => m.id === modelId);
    if (!entry) return;
    const token = ++loadToken;
    store.getState().setModelStatus('loading');
    try {
      const loaded = await worker.load({ id: entry.id, baseUrl: entry.baseUrl, manifest: entry.manifest }, preference);
      if (token !== loadToken) return;
      store.getState().setBackend(loaded.backend, loaded.fallbackReason);
      store.getState().setModelStatus('ready');
      worker.render(store.getState().latent);
    } catch (error) {
      if (token !== loadToken) return;
      store.getState().setModelStatus('error');
      store
        .getState()
        .showError(`Could not open model "${entry.name}": ${(error as Error).message}. Choose another model or re-import this one.`);
    }
  };

  store.subscribe((state, previous) => {
    if (state.modelId !== previous.modelId || state.preference !== previous.preference) void load();
    else if (state.latent !== previous.latent && state.modelStatus === 'ready') worker.render(state.latent);
  });

  try {
    const { models, defaultModelId } = await getHost().listModels({});
    store.getState().setModels(models);
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
