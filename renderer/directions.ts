/**
 * The attribute sliders' controller: keeps each model's directions in step with the host (loaded
 * when the model opens, saved when the list changes), and runs the work that makes directions —
 * PCA and SeFa as background jobs in the inference worker, file import, teaching by example.
 * Everything it reports to the user goes through the store's one error banner.
 */
import {
  DirectionError,
  MAX_DIRECTIONS,
  differenceOfMeans,
  directionsFromArray,
  directionsFromPca,
  directionsFromSefa,
  orthogonalTo,
  type Direction,
} from '../app/latent/directions';
import { NpyError, parseNpy, writeNpy } from '../app/formats/npy';
import { parseNpz } from '../app/formats/npz';
import { layerGroup, styleAffineLayers, SefaError, type LayerGroup } from '../app/latent/sefa';
import type { ModelEntry } from '../app/contract';
import type { LatentState } from '../app/pipeline/state';
import { getHost } from './host';
import { hostAuthHeaders } from './host-token';
import { inference } from './studio';
import type { BatchJob } from './inference/client';
import { studioStore } from './store';
import type { TeachMark } from './store/slices/directions';

/** GANSpace defaults: how many latents are sampled and how many components become sliders. */
export const PCA_DEFAULTS = { samples: 10_000, components: 20, chunk: 200, seed: 0 } as const;
/** How many SeFa eigenvectors become sliders. */
export const SEFA_COMPONENTS = 20;

let nextId = 1;
/** A direction id unique in this window and across sessions (saved lists keep their ids). */
function freshId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${nextId++}`;
}

function currentEntry(): ModelEntry | undefined {
  const { models, modelId } = studioStore.getState();
  return models.find((m) => m.id === modelId);
}

/** The space edits live in for a model, and its length. */
function editSpace(entry: ModelEntry): { space: 'w' | 'z'; dim: number } {
  return entry.family === 'stylegan' ? { space: 'w', dim: entry.manifest.w_dim } : { space: 'z', dim: entry.manifest.z_dim };
}

function fail(what: string, error: unknown, next: string): void {
  studioStore.getState().showError(`${what}: ${(error as Error).message}. ${next}`);
}

/** Add directions, unless the model's list would outgrow what the host keeps. */
function add(directions: Direction[]): boolean {
  const { directions: existing, showError } = studioStore.getState();
  const fresh = directions.filter((d) => !existing.some((e) => e.id === d.id)).length;
  if (existing.length + fresh > MAX_DIRECTIONS) {
    showError(`A model keeps at most ${MAX_DIRECTIONS} directions and this would make ${existing.length + fresh}. Delete some directions first.`);
    return false;
  }
  studioStore.getState().addDirections(directions);
  return true;
}

/** Saved vectors keep float32 precision (9 significant digits), which keeps the file and the request small. */
function forSaving(directions: Direction[]): Direction[] {
  return directions.map((d) => ({ ...d, vector: d.vector.map((v) => Number(v.toPrecision(9))) }));
}

/**
 * Keep the open model's directions in step with the host: load them when a model opens, save them
 * whenever the list changes. List changes are discrete actions (add, rename, delete, reorder), so
 * each is saved at once; saves run one at a time and a change made during a save is saved next.
 * Returns the unsubscribe function.
 */
export function watchDirections(): () => void {
  let loadToken = 0;
  let saving = false;
  let pending: { modelId: string; directions: Direction[] } | null = null;

  const load = async (modelId: string) => {
    const token = ++loadToken;
    try {
      const { directions } = await getHost().listDirections({ modelId });
      if (token === loadToken) studioStore.getState().setDirections(modelId, directions);
    } catch (error) {
      if (token !== loadToken) return;
      fail(`Could not read the saved directions of "${modelId}"`, error, 'Directions you add now will replace them.');
      studioStore.getState().setDirections(modelId, []);
    }
  };

  const flush = async () => {
    saving = true;
    while (pending) {
      const { modelId, directions } = pending;
      pending = null;
      try {
        await getHost().saveDirections({ modelId, directions: forSaving(directions) });
      } catch (error) {
        fail(`Could not save the directions of "${modelId}"`, error, 'Your changes are kept in this window; change the list again to retry, or delete some directions.');
      }
    }
    saving = false;
  };

  const first = studioStore.getState().modelId;
  if (first) void load(first);
  return studioStore.subscribe((state, previous) => {
    if (state.modelId !== previous.modelId && state.modelId) void load(state.modelId);
    if (state.directions !== previous.directions && state.directionsModelId !== null && state.directionsModelId === previous.directionsModelId) {
      pending = { modelId: state.directionsModelId, directions: state.directions };
      if (!saving) void flush();
    }
  });
}

let running: BatchJob | null = null;

/** Cancel the PCA or SeFa job under way. */
export function cancelDirectionJob(): void {
  running?.cancel();
}

function startJob(kind: 'pca' | 'sefa', total: number, job: BatchJob, what: string): void {
  running = job;
  studioStore.getState().setDirectionJob({ kind, done: 0, total });
  job.done
    .then(({ cancelled }) => {
      if (cancelled) studioStore.getState().setDirectionStatus(`${what} cancelled.`);
    })
    .catch((error: unknown) => fail(`${what} failed`, error, 'Try again; if it keeps failing, reload the model.'))
    .finally(() => {
      if (running === job) {
        running = null;
        studioStore.getState().setDirectionJob(null);
      }
    });
}

async function fetchModelFile(entry: ModelEntry, file: string): Promise<Uint8Array> {
  const response = await fetch(entry.baseUrl + encodeURIComponent(file), { headers: hostAuthHeaders() });
  if (!response.ok) throw new Error(`the host could not serve ${file} (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * GANSpace directions with default settings: for StyleGAN models, PCA of `samples` w sampled
 * through the mapping network in the worker (progress shown, cancellable); for z-space models,
 * where PCA of z is only noise, the closed-form directions of the first layer z feeds.
 */
export function computePca(samples: number = PCA_DEFAULTS.samples): void {
  const entry = currentEntry();
  // One direction job at a time (a closed form claims the slot before its download, before `running` is set).
  if (!entry || studioStore.getState().directionJob) return;
  if (entry.family !== 'stylegan') {
    const graph = entry.manifest.graphs.generator?.file;
    if (!graph) return;
    void computeClosedForm(entry, graph, { format: 'onnx', input: 'z' }, { rows: null, label: 'z', idPrefix: 'closed-form-', what: 'Closed-form directions' });
    return;
  }
  const { components, chunk, seed } = PCA_DEFAULTS;
  const classes = studioStore.getState().latent.classes;
  studioStore.getState().setDirectionStatus(null);
  const job = inference().runJob({ kind: 'pca-w', params: { samples, chunk, components, seed, classes } }, (item) => {
    if (item.kind === 'progress') {
      // One store update per percent: a long run streams thousands of chunks.
      const shown = studioStore.getState().directionJob;
      if (!shown || Math.floor((100 * item.done) / item.total) > Math.floor((100 * shown.done) / shown.total) || item.done === item.total) {
        studioStore.getState().setDirectionJob({ kind: 'pca', done: item.done, total: item.total });
      }
      return;
    }
    if (currentEntry()?.id !== entry.id) return;
    if (add(directionsFromPca(item.pca, components, 'w'))) {
      studioStore
        .getState()
        .setDirectionStatus(`PCA of ${item.pca.count.toLocaleString('en')} samples: ${(item.ms / 1000).toFixed(2)} s in the worker.`);
    }
  });
  startJob('pca', samples, job, 'PCA');
}

/** SeFa directions of a layer group from the package's style-affine weights (StyleGAN). */
export function computeSefa(group: LayerGroup): void {
  const entry = currentEntry();
  // One direction job at a time (a closed form claims the slot before its download, before `running` is set).
  if (!entry || studioStore.getState().directionJob) return;
  const file = entry.manifest.side_files.style_affine;
  let layers;
  try {
    layers = styleAffineLayers(entry.manifest);
  } catch (error) {
    if (!(error instanceof SefaError)) throw error;
    fail('SeFa cannot run', error, 'Re-export the model with models/tools/export_stylegan.py.');
    return;
  }
  if (!file || layers.length === 0) {
    studioStore
      .getState()
      .showError(
        `Model "${entry.name}" has no style-affine weights (side file style_affine.npz), so SeFa cannot run. Re-export it with models/tools/export_stylegan.py, or use PCA.`,
      );
    return;
  }
  const chosen = layerGroup(layers, entry.manifest.ws_resolutions, group);
  if (chosen.layers.length === 0) {
    studioStore.getState().showError(`This model has no ${group} layers with style weights. Choose another layer group.`);
    return;
  }
  const layerNames = chosen.layers.map((l) => l.name);
  void computeClosedForm(entry, file, { format: 'npz', layers: layerNames }, { rows: chosen.rows, label: group, idPrefix: `sefa-${group}-`, what: 'SeFa' });
}

/**
 * SeFa in the worker on weights from one of the model's files: the style-affine side file
 * (StyleGAN), or the generator graph, whose first layer z feeds stands in for it (z-space models).
 */
async function computeClosedForm(
  entry: ModelEntry,
  file: string,
  source: { format: 'npz'; layers: string[] } | { format: 'onnx'; input: string },
  options: { rows: [number, number] | null; label: string; idPrefix: string; what: string },
): Promise<void> {
  const { space, dim } = editSpace(entry);
  const { what } = options;
  studioStore.getState().setDirectionStatus(null);
  // Claimed before the download, so a second click cannot start a second job.
  studioStore.getState().setDirectionJob({ kind: 'sefa', done: 0, total: 1 });
  let bytes: Uint8Array;
  try {
    bytes = await fetchModelFile(entry, file);
  } catch (error) {
    studioStore.getState().setDirectionJob(null);
    fail(`${what} could not read ${file}`, error, 'Check the model package, then try again.');
    return;
  }
  const job = inference().runJob({ kind: 'sefa', params: { weights: { ...source, bytes }, dim } }, (factorization) => {
    if (currentEntry()?.id !== entry.id) return;
    if (add(directionsFromSefa(factorization, SEFA_COMPONENTS, { space, rows: options.rows, label: options.label, idPrefix: options.idPrefix }))) {
      const layers = factorization.layers.length;
      studioStore.getState().setDirectionStatus(`${what}: ${source.format === 'npz' ? `${layers} layer${layers === 1 ? '' : 's'}` : factorization.layers[0]} factorised.`);
    }
  });
  startJob('sefa', 1, job, what);
}

/** Import directions from a `.npy` or `.npz` file (InterFaceGAN boundaries, GANSpace exports…). */
export async function importDirectionFile(file: File): Promise<void> {
  const entry = currentEntry();
  if (!entry) return;
  const { space, dim } = editSpace(entry);
  const base = file.name.replace(/\.(npy|npz)$/i, '');
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    // By content, not by name: a zip is an .npz whatever it is called.
    const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
    const arrays = isZip ? [...parseNpz(bytes)] : [[base, parseNpy(bytes)] as const];
    if (arrays.length === 0) throw new DirectionError('the .npz archive holds no arrays');
    const directions = arrays.flatMap(([key, array]) =>
      directionsFromArray(array, { dim, space, name: isZip && arrays.length > 1 ? `${base}:${key}` : base, idPrefix: `${freshId('import')}-` }),
    );
    add(directions);
  } catch (error) {
    if (!(error instanceof NpyError || error instanceof DirectionError)) throw error;
    fail(`Could not import ${file.name}`, error, `Choose a float32 or float64 .npy/.npz holding ${dim}-value directions.`);
  }
}

/** Mark a latent state as having or lacking the attribute being taught (its latent is read in the worker). */
export function markSample(state: LatentState, label: TeachMark['label']): Promise<void> {
  const modelId = studioStore.getState().modelId;
  const job = inference().runJob({ kind: 'resolve-latents', params: { states: [state] } }, ({ vector }) => {
    if (studioStore.getState().modelId !== modelId) return;
    studioStore.getState().addTeachMark({ id: freshId('mark'), label, seed: state.seed, vector: Array.from(vector) });
  });
  return job.done.then(
    () => undefined,
    (error: unknown) => fail('Could not mark the sample', error, 'Try again once the preview shows it.'),
  );
}

/** Fit a direction to the marked samples (difference of means, see app/latent/directions.ts) and add it as a slider. */
export function teachDirection(name: string): void {
  const entry = currentEntry();
  const { teachMarks } = studioStore.getState();
  if (!entry) return;
  try {
    const vector = differenceOfMeans(
      teachMarks.filter((m) => m.label === 'has').map((m) => m.vector),
      teachMarks.filter((m) => m.label === 'lacks').map((m) => m.vector),
    );
    const has = teachMarks.filter((m) => m.label === 'has').length;
    const added = add([
      {
        id: freshId('taught'),
        name: name.trim() || 'Taught direction',
        source: 'taught',
        space: editSpace(entry).space,
        vector,
        scale: 1,
        rows: null,
        note: `difference of means of ${has} + ${teachMarks.length - has} marked samples`,
      },
    ]);
    if (added) studioStore.getState().clearTeachMarks();
  } catch (error) {
    if (!(error instanceof DirectionError)) throw error;
    fail('Could not teach the direction', error, 'Mark more samples, then try again.');
  }
}

/** Conditional editing: a new direction, `id` made orthogonal to `others` (InterFaceGAN). */
export function makeOrthogonal(id: string, others: string[]): void {
  const { directions } = studioStore.getState();
  const d = directions.find((x) => x.id === id);
  const chosen = directions.filter((x) => others.includes(x.id));
  if (!d || chosen.length === 0) return;
  try {
    add([
      {
        ...d,
        id: freshId('orthogonal'),
        name: `${d.name} ⊥ ${chosen.map((c) => c.name).join(', ')}`.slice(0, 200),
        source: 'orthogonal',
        vector: orthogonalTo(d.vector, chosen.map((c) => c.vector)),
        note: `${d.name} without its components along ${chosen.map((c) => c.name).join(', ')}`.slice(0, 500),
      },
    ]);
  } catch (error) {
    if (!(error instanceof DirectionError)) throw error;
    fail(`Could not make ${d.name} orthogonal`, error, 'Choose other directions to be orthogonal to.');
  }
}

/** Download a direction as a `.npy` of shape [1, dim] (InterFaceGAN's boundary layout). */
export function exportDirection(id: string): void {
  const d = studioStore.getState().directions.find((x) => x.id === id);
  if (!d) return;
  const bytes = writeNpy({ data: Float32Array.from(d.vector), shape: [1, d.vector.length] });
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${d.name.replace(/[^\w.\- ]+/g, '_').trim() || 'direction'}.npy`;
  link.click();
  // The click starts the download synchronously; the URL is not needed after it.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
