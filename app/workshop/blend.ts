/**
 * Model blending, the "toonify" technique and Autolume's model mixing: two StyleGAN packages of one
 * architecture become a third whose every weight is `A + (B − A)·t`, with `t` chosen per
 * resolution block of the synthesis network (4 px … the output size) and once for the mapping
 * network; `t` = 0 or 1 is a hard swap (the parent's bytes are copied, so such a blend computes
 * exactly what that parent computes). The side files follow the same weights, so SeFa directions
 * (style_affine.npz), the stored noise (noise_const.npz) and truncation (w_avg) stay consistent with
 * the new graphs. Everything here is TypeScript over the ONNX wire format: no Python, nothing run.
 */
import { parseNpz, writeNpz } from '../codecs/npz';
import type { FloatArray } from '../codecs/npy';
import type { Manifest } from '../model/manifest';
import { demodLayout, demodOf, layerOf, type WeightLayout } from './demod';
import { floatValues, ONNX_FLOAT, readGraphWeights, rewriteInitializers, type ConstantValue, type GraphWeights, type Initializer } from './onnx-weights';

/** Raised when two packages cannot be blended, or the weights are wrong; the message names the first problem. */
export class BlendError extends Error {
  override readonly name = 'BlendError';
}

/** A package as the blender reads it: its manifest and its files by name. */
export interface PackageSource {
  readonly manifest: Manifest;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** How much of B each part takes: 0 is parent A, 1 is parent B. `synthesis` is keyed by block resolution ("4", "8", …). */
export interface BlendWeights {
  readonly mapping: number;
  readonly synthesis: Readonly<Record<string, number>>;
}

/** Progress callback: bytes of weights blended so far and in all. It may throw to cancel, or wait to let other work run. */
export type BlendProgress = (done: number, total: number) => void | Promise<void>;

/** The resolution blocks of a StyleGAN package that take a weight each: the distinct `ws_resolutions`, ascending. */
export function blendRows(manifest: Manifest): number[] {
  return [...new Set(manifest.ws_resolutions)].sort((x, y) => x - y);
}

/** Weights for every row of `manifest` at `t` (0: parent A everywhere). */
export function uniformWeights(manifest: Manifest, t: number): BlendWeights {
  return { mapping: t, synthesis: Object.fromEntries(blendRows(manifest).map((r) => [String(r), t])) };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const COMPARED_FIELDS = ['family', 'resolution', 'img_channels', 'z_dim', 'w_dim', 'num_ws', 'c_dim', 'ws_resolutions', 'output_range'] as const;

/** Refuse two manifests that do not describe the same StyleGAN architecture, naming the first difference. */
export function checkBlendableManifests(a: Manifest, b: Manifest): void {
  if (a.family !== 'stylegan') throw new BlendError(`${a.name} is a ${a.family} model; only StyleGAN packages (mapping + synthesis) can be blended`);
  for (const field of COMPARED_FIELDS) {
    if (!same(a[field], b[field])) throw new BlendError(`the models differ in ${field}: ${JSON.stringify(a[field])} in A and ${JSON.stringify(b[field])} in B; blend two models of one architecture`);
  }
  for (const key of ['mapping', 'synthesis']) {
    const [ga, gb] = [a.graphs[key], b.graphs[key]];
    if (!same(ga?.inputs, gb?.inputs) || !same(ga?.outputs, gb?.outputs)) {
      throw new BlendError(`the ${key} graphs differ in their inputs or outputs (A: ${ga?.inputs.join(', ')} → ${ga?.outputs.join(', ')}; B: ${gb?.inputs.join(', ')} → ${gb?.outputs.join(', ')})`);
    }
  }
  if (!same(a.noise_inputs ?? [], b.noise_inputs ?? [])) throw new BlendError('the models differ in their noise inputs; export both with or both without --noise-inputs');
  if (!same(Object.keys(a.side_files).sort(), Object.keys(b.side_files).sort())) {
    throw new BlendError(`the models differ in their side files (A: ${Object.keys(a.side_files).join(', ') || 'none'}; B: ${Object.keys(b.side_files).join(', ') || 'none'})`);
  }
}

function checkWeights(manifest: Manifest, weights: BlendWeights): void {
  const unit = (t: number) => Number.isFinite(t) && t >= 0 && t <= 1;
  if (!unit(weights.mapping)) throw new BlendError(`the mapping weight must be between 0 and 1, not ${weights.mapping}`);
  const rows = blendRows(manifest).map(String);
  for (const row of rows) if (!unit(weights.synthesis[row] ?? NaN)) throw new BlendError(`the ${row}-px weight must be between 0 and 1, not ${weights.synthesis[row]}`);
  const extra = Object.keys(weights.synthesis).find((k) => !rows.includes(k));
  if (extra) throw new BlendError(`the model has no ${extra}-px block; its blocks are ${rows.join(', ')} px`);
}

function dimsText(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}

/** Refuse two graphs whose initializers or nodes differ in anything but the weights' values. */
function checkSameGraph(file: string, a: GraphWeights, b: GraphWeights): void {
  const named = new Map(b.initializers.map((init) => [init.name, init]));
  for (const ia of a.initializers) {
    const ib = named.get(ia.name);
    if (!ib) throw new BlendError(`${file} initializer ${ia.name} is in A but not in B; the models were exported differently`);
    if (!same(ia.dims, ib.dims)) throw new BlendError(`${file} initializer ${ia.name} is ${dimsText(ia.dims)} in A and ${dimsText(ib.dims)} in B`);
    if (ia.dataType !== ib.dataType) throw new BlendError(`${file} initializer ${ia.name} has ONNX data type ${ia.dataType} in A and ${ib.dataType} in B`);
  }
  const extra = b.initializers.find((ib) => !a.initializers.some((ia) => ia.name === ib.name));
  if (extra) throw new BlendError(`${file} initializer ${extra.name} is in B but not in A; the models were exported differently`);
  if (a.nodes.length !== b.nodes.length) throw new BlendError(`${file} has ${a.nodes.length} nodes in A and ${b.nodes.length} in B; the models were exported differently`);
  // Constant nodes may hold weight-derived values (blended with the weights); every other node must be the same.
  const constantsB = new Map(b.constants.map((c) => [c.node, c]));
  const valueMatches = (c: ConstantValue) => {
    const other = constantsB.get(c.node);
    return other !== undefined && other.name === c.name && same(other.dims, c.dims) && other.dataType === c.dataType;
  };
  const constantNodes = new Set(a.constants.filter(valueMatches).map((c) => c.node));
  const node = a.nodes.findIndex((n, i) => !constantNodes.has(i) && !bytesEqual(n, b.nodes[i]!));
  if (node >= 0) throw new BlendError(`${file} node ${node} (${a.nodeNames[node] || 'unnamed'}) differs between A and B; export both models with the same exporter`);
}

function bytesEqual(x: Uint8Array | null, y: Uint8Array | null): boolean {
  if (x === null || y === null) return x === y;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

// A preview blends the same two parents on every slider move: what is read from a parent's bytes
// (its parsed graphs, weight values, which layout its demodulation matrices have) is kept for as
// long as those bytes live.
const parsed = new WeakMap<Uint8Array, GraphWeights>();
const values = new WeakMap<Initializer, Float32Array>();
const layouts = new WeakMap<Initializer, { weight: Initializer; layout: WeightLayout } | null>();

function graphWeights(bytes: Uint8Array, file: string): GraphWeights {
  let found = parsed.get(bytes);
  if (!found) parsed.set(bytes, (found = readGraphWeights(bytes, file)));
  return found;
}

function valuesOf(init: Initializer): Float32Array {
  let found = values.get(init);
  if (!found) values.set(init, (found = floatValues(init)));
  return found;
}

/** `a + (b − a)·t` in float32; at t = 0 and t = 1 the parent's own values, exactly. */
function mix(a: Float32Array, b: Float32Array, t: number): Float32Array {
  if (t === 0) return a;
  if (t === 1) return b;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + (b[i]! - a[i]!) * t;
  return out;
}

/**
 * The synthesis blocks an initializer belongs to: `b<res>` in its name (`synthesis.b16.conv0.weight`)
 * and in the scope of the nodes that read it (`/synthesis/b16/conv0/affine/MatMul`, where the
 * exporter folded a weight into an unnamed constant); several when the exporter shared one constant
 * between blocks, none when nothing names a block. Ascending.
 */
export function blocksOf(init: Pick<Initializer, 'name' | 'consumers'>): number[] {
  const blocks = new Set<number>();
  for (const text of [init.name, ...init.consumers]) {
    const block = /(?:^|[./])b(\d+)[./]/.exec(text)?.[1];
    if (block !== undefined) blocks.add(Number(block));
  }
  return [...blocks].sort((x, y) => x - y);
}

interface GraphJob {
  key: 'mapping' | 'synthesis';
  file: string;
  a: GraphWeights;
  b: GraphWeights;
}

/** The 4-D float weights of each modulated layer of a graph (A's and B's), for recomputing demodulation. */
function layerWeights(job: GraphJob): Map<string, [Initializer, Initializer][]> {
  const byName = new Map(job.b.initializers.map((init) => [init.name, init]));
  const out = new Map<string, [Initializer, Initializer][]>();
  for (const ia of job.a.initializers) {
    const layer = ia.dims.length === 4 && ia.dataType === ONNX_FLOAT ? layerOf(ia) : null;
    if (layer) out.set(layer, [...(out.get(layer) ?? []), [ia, byName.get(ia.name)!]]);
  }
  return out;
}

/**
 * One graph blended; `weightOf` gives a tensor's t, or throws when it cannot be weighed. A
 * demodulation matrix is computed again from its blended weight; any other Constant node that
 * differs is refused (no rule says how it follows the weights).
 */
async function blendGraph(job: GraphJob, weightOf: (init: Initializer) => number, progress: () => Promise<void>, count: (bytes: number) => void): Promise<Uint8Array> {
  const weights = layerWeights(job);
  const pairsB = new Map(job.b.initializers.map((init) => [init.name, init]));
  const blendTensor = (ta: Initializer, tb: Initializer, constant: boolean): Float32Array | Uint8Array | undefined => {
    if (bytesEqual(ta.payload, tb.payload) && bytesEqual(ta.proto, tb.proto)) return undefined;
    const what = `${job.file} ${constant ? 'constant' : 'initializer'} ${ta.name}`;
    if (ta.dataType !== ONNX_FLOAT || !ta.payload || !tb.payload) throw new BlendError(`${what} differs between A and B but is not a float32 weight, so it cannot be blended; the models were exported differently`);
    const t = weightOf(ta);
    if (t === 0) return undefined;
    if (t === 1) return tb.proto;
    if (!layouts.has(ta)) {
      const va = valuesOf(ta);
      const pairs = weights.get(layerOf(ta) ?? '') ?? [];
      const found = pairs.map(([wa]) => ({ weight: wa, layout: demodLayout(va, ta.dims, valuesOf(wa), wa.dims) })).find((p) => p.layout !== null);
      layouts.set(ta, found ? { weight: found.weight, layout: found.layout! } : null);
    }
    const demod = layouts.get(ta);
    if (demod) {
      const wb = pairsB.get(demod.weight.name)!;
      return demodOf(mix(valuesOf(demod.weight), valuesOf(wb), t), demod.weight.dims, demod.layout);
    }
    if (constant) throw new BlendError(`${what} differs between A and B but is no weight and no demodulation matrix the blender knows, so it cannot be blended`);
    return mix(valuesOf(ta), valuesOf(tb), t);
  };
  const byName = new Map(job.b.initializers.map((init) => [init.name, init]));
  const constantsB = new Map(job.b.constants.map((c) => [c.node, c]));
  const replacements = new Map<Initializer, Float32Array | Uint8Array | undefined>();
  for (const [ta, tb, constant] of [
    ...job.a.initializers.map((i) => [i, byName.get(i.name)!, false] as const),
    ...job.a.constants.map((c) => [c, constantsB.get(c.node)!, true] as const),
  ]) {
    count(ta.payload?.length ?? 0);
    await progress();
    replacements.set(ta, blendTensor(ta, tb, constant));
  }
  return rewriteInitializers(job.a, (init) => replacements.get(init), (c) => replacements.get(c));
}

/** An .npz side file blended key by key; `weightOf(key)` as for the graphs. */
function blendNpz(file: string, a: Uint8Array, b: Uint8Array, weightOf: (key: string) => number): Uint8Array {
  const [xa, xb] = [parseNpz(a), parseNpz(b)];
  const out: Record<string, FloatArray> = {};
  for (const [key, va] of xa) {
    const vb = xb.get(key);
    if (!vb || !same(va.shape, vb.shape)) throw new BlendError(`${file} key ${key} is ${dimsText(va.shape)} in A and ${vb ? dimsText(vb.shape) : 'absent'} in B`);
    out[key] = { shape: va.shape, data: mix(va.data, vb.data, weightOf(key)) };
  }
  const extra = [...xb.keys()].find((k) => !xa.has(k));
  if (extra) throw new BlendError(`${file} key ${extra} is in B but not in A`);
  return writeNpz(out);
}

/** The result of {@link blendPackages}: the new package's files and its manifest, without `files` (the host hashes them). */
export interface BlendedPackage {
  readonly manifest: Omit<Manifest, 'files'>;
  readonly files: Map<string, Uint8Array>;
}

function fileOf(source: PackageSource, file: string, which: 'A' | 'B'): Uint8Array {
  const bytes = source.files.get(file);
  if (!bytes) throw new BlendError(`${file} of ${source.manifest.name} (parent ${which}) was not read; open the model again`);
  return bytes;
}

/**
 * Blend packages A and B with `weights` into a new package called `name` with id `id`. Refuses
 * (with {@link BlendError}) two packages that differ in architecture, graph inputs and outputs, or
 * any initializer's name, shape or type, naming the first difference. `onProgress` follows the
 * weights as they are blended.
 */
export async function blendPackages(a: PackageSource, b: PackageSource, weights: BlendWeights, target: { id: string; name: string }, onProgress?: BlendProgress): Promise<BlendedPackage> {
  const [ma, mb] = [a.manifest, b.manifest];
  checkBlendableManifests(ma, mb);
  checkWeights(ma, weights);
  const rows = new Set(blendRows(ma));
  const jobs: GraphJob[] = (['mapping', 'synthesis'] as const).map((key) => {
    const file = ma.graphs[key]!.file;
    const job = { key, file, a: graphWeights(fileOf(a, file, 'A'), file), b: graphWeights(fileOf(b, mb.graphs[key]!.file, 'B'), file) };
    checkSameGraph(file, job.a, job.b);
    return job;
  });
  const total = jobs.reduce((n, j) => n + [...j.a.initializers, ...j.a.constants].reduce((m, init) => m + (init.payload?.length ?? 0), 0), 0);
  let done = 0;
  const progress = async () => onProgress?.(done, total);
  const synthesisWeight = (blocks: readonly number[], what: string): number => {
    const unknown = blocks.find((res) => !rows.has(res));
    if (blocks.length === 0 || unknown !== undefined) {
      throw new BlendError(`${what} differs between A and B but belongs to no resolution block of the model${unknown ? ` (it names a ${unknown}-px block)` : ''}, so no weight applies to it; the models were exported differently`);
    }
    const ts = new Set(blocks.map((res) => weights.synthesis[String(res)]!));
    if (ts.size > 1) throw new BlendError(`${what} is shared by the ${blocks.join(', ')} px blocks, so they must take one weight; give them the same weight`);
    return [...ts][0]!;
  };
  const files = new Map<string, Uint8Array>();
  for (const job of jobs) {
    const weightOf = job.key === 'mapping' ? () => weights.mapping : (init: Initializer) => synthesisWeight(blocksOf(init), `${job.file} tensor ${init.name}`);
    files.set(job.file, await blendGraph(job, weightOf, progress, (bytes) => (done += bytes)));
  }
  const noiseRes = new Map((ma.noise_inputs ?? []).map((n) => [n.name, n.resolution]));
  for (const [role, file] of Object.entries(ma.side_files)) {
    if (role !== 'style_affine' && role !== 'noise_const') throw new BlendError(`the side file ${file} (${role}) is not one the blender knows how to weigh`);
    const fileB = mb.side_files[role]!;
    const weightOf = (key: string): number => {
      const res = noiseRes.get(key);
      const blocks = role === 'noise_const' ? (res === undefined ? [] : [res]) : blocksOf({ name: key, consumers: [] });
      return synthesisWeight(blocks, `${file} key ${key}`);
    };
    files.set(file, blendNpz(file, fileOf(a, file, 'A'), fileOf(b, fileB, 'B'), weightOf));
  }
  await onProgress?.(total, total);
  const parent = (m: Manifest) => ({ id: m.id, name: m.name, synthesis_sha256: m.files[m.graphs.synthesis!.file]!.sha256 });
  const { files: _files, ...base } = ma;
  // Only the generator is blended: an encoder (inversion's first guess) was trained on one parent's
  // pictures and would guess wrong for the blend, so the blend has none until one is trained for it.
  // Nor are float16 twins (npm run convert -- --fp16): A's would draw A, so the blend has none until made.
  const { encoder: _encoder, ...kept } = ma.graphs;
  const graphs = Object.fromEntries(Object.entries(kept).map(([key, { fp16: _fp16, ...spec }]) => [key, spec]));
  const manifest: Omit<Manifest, 'files'> = {
    ...base,
    graphs,
    id: target.id,
    name: target.name,
    license: ma.license === mb.license ? ma.license : `${ma.license} AND ${mb.license}`,
    attribution: `Blended in Latent Studio from ${ma.name} (${ma.attribution}) and ${mb.name} (${mb.attribution}).`,
    w_avg: Array.from(mix(Float32Array.from(ma.w_avg), Float32Array.from(mb.w_avg), weights.mapping)),
    lineage: { parents: [parent(ma), parent(mb)], method: 'blend', weights: { mapping: weights.mapping, synthesis: { ...weights.synthesis } } },
  };
  return { manifest, files };
}
