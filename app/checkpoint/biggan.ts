/**
 * huggingface pytorch-pretrained-BigGAN (BigGAN-deep) state dicts → a `conditional` model package,
 * in TypeScript, so an artist with a `config.json` + `pytorch_model.bin` folder needs no Python.
 * The graph and the manifest are what `models/tools/export_biggan.py --checkpoint <folder>` writes:
 * its forward (`models/tools/biggan/model.py`) is restated here op by op from the state-dict
 * tensors, with the same eval-time semantics —
 *   - spectral norm folded: W = weight_orig / σ, σ = uᵀ·(W·v) from the stored u and v (no power
 *     iteration, as `remove_spectral_norm` after `eval()`);
 *   - batch-norm statistics mixed from the truncation input with the reference's swapped weights
 *     (`(coef, start) = modf(t / step)`: row start gets coef, row start + 1 gets 1 − coef; a
 *     truncation within 1e-5 rows of a row takes that row alone), as tensor ops;
 *   - conv_to_rgb cut to its 3 used output channels.
 */
import { attr, GraphBuilder } from '../graph/builder';
import { CheckpointError, ConversionCancelled, type ConvertedPackage, type ConvertOptions, type NetworkSnapshot, type StoredTensor } from './snapshot';

/** pytorch_pretrained_biggan's config.json, as `models/tools/biggan/model.py` BigGANConfig reads it. */
export interface BigGanConfig {
  readonly output_dim: number;
  readonly z_dim: number;
  /** Stored by the reference, unused by its network. */
  readonly class_embed_dim: number;
  readonly channel_width: number;
  readonly num_classes: number;
  /** Per GenBlock: [upsample, in multiplier, out multiplier] of channel_width. */
  readonly layers: readonly (readonly [boolean, number, number])[];
  readonly attention_layer_position: number;
  readonly eps: number;
  readonly n_stats: number;
}

/** What {@link convertBigGan} takes beyond the shared {@link ConvertOptions}. */
export interface BigGanConvertOptions extends ConvertOptions {
  /**
   * One name per class. Required for 1000 classes: export_biggan.py then writes the ImageNet names
   * of `models/tools/biggan/imagenet_classes.txt`, which the caller reads (with
   * {@link parseClassNameList}) where its host keeps that file; app/ reads no files. Other class
   * counts default to `class 0`, `class 1`, … as export_biggan.py writes them.
   */
  readonly classNames?: readonly string[];
  /** The checkpoint folder's name: the attribution names it, and the id derives from it when `id` is absent. */
  readonly folderName?: string;
}

const FALLBACK = 'models/tools/export_biggan.py --checkpoint <folder> (Python) is the fallback';
const OPSET = 17;
// As model.py's _ROW_SNAP: a float32 truncation within this many rows of a row is that row.
const ROW_SNAP = 1e-5;
const IMG_CHANNELS = 3;

/** The published BigGAN-deep-128 layer list: config.json's `layers` default, as in model.py. */
const DEEP_128_LAYERS: readonly (readonly [boolean, number, number])[] = [
  [false, 16, 16], [true, 16, 16], [false, 16, 16], [true, 16, 8], [false, 8, 8],
  [true, 8, 4], [false, 4, 4], [true, 4, 2], [false, 2, 2], [true, 2, 1],
];

const CONFIG_DEFAULTS = {
  output_dim: 128, z_dim: 128, class_embed_dim: 128, channel_width: 128, num_classes: 1000,
  attention_layer_position: 8, eps: 1e-4, n_stats: 51,
} as const;

/** config.json's keys in the order BigGANConfig.to_dict writes them (the manifest's generator.config). */
const CONFIG_KEYS = ['output_dim', 'z_dim', 'class_embed_dim', 'channel_width', 'num_classes', 'layers', 'attention_layer_position', 'eps', 'n_stats'] as const;

function configError(what: string): never {
  throw new CheckpointError(`config.json ${what}; a pytorch-pretrained-BigGAN config.json holds ${CONFIG_KEYS.join(', ')}. ${FALLBACK}.`);
}

function positiveInt(value: unknown, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) configError(`has ${key} = ${JSON.stringify(value)}, not a positive integer`);
  return value;
}

/** Where layers[index] starts: 4 px, doubled by every upsampling block before it. */
function resolutionAt(layers: BigGanConfig['layers'], index: number): number {
  return 4 * 2 ** layers.slice(0, index).filter(([up]) => up).length;
}

/**
 * Validate a parsed config.json as BigGANConfig.from_dict and check() do (unknown keys refused,
 * absent keys take the biggan-deep-128 defaults, layers consistent with output_dim). Throws
 * {@link CheckpointError}.
 */
export function parseBigGanConfig(json: unknown): BigGanConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) configError('is not a JSON object');
  const d = json as Record<string, unknown>;
  const unknown = Object.keys(d).filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) configError(`has keys a BigGAN config does not know: ${unknown.sort().join(', ')}`);
  const get = (key: keyof typeof CONFIG_DEFAULTS): unknown => (key in d ? d[key] : CONFIG_DEFAULTS[key]);
  const rawLayers = d.layers ?? DEEP_128_LAYERS; // null too, as from_dict's `layers is not None`
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) configError('has no layer list ("layers": [[upsample, in, out], …])');
  const layers = rawLayers.map((layer: unknown, i): readonly [boolean, number, number] => {
    if (!Array.isArray(layer) || layer.length !== 3 || typeof layer[0] !== 'boolean') configError(`has layers[${i}] = ${JSON.stringify(layer)}, not [upsample, in, out]`);
    return [layer[0], positiveInt(layer[1], `layers[${i}][1]`), positiveInt(layer[2], `layers[${i}][2]`)];
  });
  const eps = get('eps');
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) configError(`has eps = ${JSON.stringify(eps)}, not a positive number`);
  const attention = get('attention_layer_position');
  if (typeof attention !== 'number' || !Number.isInteger(attention) || attention < 0) configError(`has attention_layer_position = ${JSON.stringify(attention)}`);
  const config: BigGanConfig = {
    output_dim: positiveInt(get('output_dim'), 'output_dim'),
    z_dim: positiveInt(get('z_dim'), 'z_dim'),
    class_embed_dim: positiveInt(get('class_embed_dim'), 'class_embed_dim'),
    channel_width: positiveInt(get('channel_width'), 'channel_width'),
    num_classes: positiveInt(get('num_classes'), 'num_classes'),
    layers,
    attention_layer_position: attention,
    eps,
    n_stats: positiveInt(get('n_stats'), 'n_stats'),
  };
  if (config.n_stats < 2) configError(`has n_stats = ${config.n_stats}; the truncation needs at least 2 statistic rows`);
  if (layers[0]![1] !== 16) configError(`has layers[0] taking ${layers[0]![1]} × channel_width channels; gen_z makes 16 × channel_width`);
  const reached = resolutionAt(layers, layers.length);
  if (reached !== config.output_dim) configError(`has layers that upsample 4 px to ${reached} px, but output_dim ${config.output_dim}`);
  for (const [, cin, cout] of layers) {
    if (cin !== cout && cin !== 2 * cout) configError(`has a layer going ${cin} → ${cout}; a GenBlock keeps or halves its channels`);
  }
  return config;
}

/** A class-name text file, one name per line, as export_biggan.py reads imagenet_classes.txt (a final newline ends the last line). */
export function parseClassNameList(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The checked tensors of one state dict; every access is recorded so leftovers can be refused. */
class CheckedState {
  private readonly used = new Set<string>();
  constructor(private readonly tensors: NetworkSnapshot['tensors']) {}

  get(name: string, shape: readonly number[]): StoredTensor {
    const t = this.tensors.get(name);
    if (!t) {
      throw new CheckpointError(`the BigGAN state dict has no tensor "${name}" (expected shape [${shape.join(', ')}] for this config.json); the checkpoint does not fit its config. ${FALLBACK}.`);
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`the BigGAN tensor "${name}" has shape [${t.shape.join(', ')}], but config.json makes it [${shape.join(', ')}]; the checkpoint does not fit its config. ${FALLBACK}.`);
    }
    this.used.add(name);
    return t;
  }

  /** Refuse tensors the network has no place for (the reference loads with strict=True). */
  checkAllUsed(): void {
    const extra = [...this.tensors.keys()].filter((k) => !this.used.has(k));
    if (extra.length > 0) {
      const shown = extra.slice(0, 5).map((k) => `"${k}"`).join(', ');
      throw new CheckpointError(`the BigGAN state dict holds ${extra.length} tensor(s) this config.json has no place for (${shown}${extra.length > 5 ? ', …' : ''}); it is another architecture or another config. ${FALLBACK}.`);
    }
  }
}

/** weight_orig / σ with σ = uᵀ·(W·v), W = weight_orig viewed as [out, rest]; σ in float64, rounded to float32 as PyTorch holds it. */
function foldSpectralNorm(name: string, weight: StoredTensor, u: StoredTensor, v: StoredTensor): Float32Array {
  const rows = weight.shape[0]!;
  const cols = weight.data.length / rows;
  const w = weight.data;
  let sigma = 0;
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    const base = r * cols;
    for (let k = 0; k < cols; k++) dot += w[base + k]! * v.data[k]!;
    sigma += u.data[r]! * dot;
  }
  const s = Math.fround(sigma);
  if (!(Math.abs(s) > 0) || !Number.isFinite(s)) {
    throw new CheckpointError(`the spectral norm of "${name}" is ${s} (from its weight_u and weight_v); the checkpoint is damaged. ${FALLBACK}.`);
  }
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i]! / s;
  return out;
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** Lowercase letters, digits, `.`, `_`, `-` (the manifest's id rule), from a folder name. */
function idFromName(name: string): string {
  const id = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return id || 'biggan';
}

/** Builds the generator graph from the checked state, tracking progress over the tensors read. */
class BigGanGraph {
  readonly g = new GraphBuilder();
  private readonly condDim: number;
  private done = 0;

  constructor(
    private readonly cfg: BigGanConfig,
    private readonly state: CheckedState,
    private readonly total: number,
    private readonly options: ConvertOptions,
  ) {
    this.condDim = 2 * cfg.z_dim;
  }

  private read(name: string, shape: readonly number[]): StoredTensor {
    const t = this.state.get(name, shape);
    this.done += t.data.length;
    return t;
  }

  /** Between blocks: honour a cancel, report progress. */
  step(): void {
    if (this.options.cancelled?.()) throw new ConversionCancelled();
    this.options.onProgress?.(Math.min(0.99, this.done / this.total));
  }

  private readonly constants = new Map<string, string>();

  /** A float32 scalar constant, made once per value (every batch norm adds 1 and eps). */
  private scalar(hint: string, value: number): string {
    return this.shared(`f:${value}`, () => this.g.floats(hint, [value], []));
  }

  /** An int64 vector constant (shapes, axes), made once per value list. */
  private intConst(hint: string, values: readonly number[]): string {
    return this.shared(`i:${values.join(',')}`, () => this.g.ints(hint, values));
  }

  private shared(key: string, make: () => string): string {
    let name = this.constants.get(key);
    if (name === undefined) this.constants.set(key, (name = make()));
    return name;
  }

  /** The folded weight of a spectral-norm layer whose weight_orig has `shape`. */
  private sn(prefix: string, shape: readonly number[]): Float32Array {
    const rest = shape.slice(1).reduce((a, b) => a * b, 1);
    const w = this.read(`${prefix}.weight_orig`, shape);
    const u = this.read(`${prefix}.weight_u`, [shape[0]!]);
    const v = this.read(`${prefix}.weight_v`, [rest]);
    return foldSpectralNorm(prefix, w, u, v);
  }

  /**
   * The truncation's mixture of statistic rows, [1, n_stats] (model.py truncation_weights): row
   * `start` weighted coef and row `start + 1` weighted 1 − coef for x = t·(n − 1) = start + coef,
   * or one row alone when x is within ROW_SNAP of it.
   */
  statWeights(truncation: string): string {
    const g = this.g;
    const n = this.cfg.n_stats;
    const t = g.op('Clip', [truncation, this.scalar('zero', 0), this.scalar('one', 1)], {}, 'truncation_clipped');
    const x = g.op('Mul', [t, this.scalar('rows_per_unit', n - 1)], {}, 'truncation_rows');
    const floor = g.op('Floor', [x]);
    const nearest = g.op('Floor', [g.op('Add', [x, this.scalar('half', 0.5)])], {}, 'nearest');
    const onRow = g.op('LessOrEqual', [g.op('Abs', [g.op('Sub', [x, nearest])]), this.scalar('row_snap', ROW_SNAP)], {}, 'on_row');
    const start = g.op('Where', [onRow, nearest, floor], {}, 'start_row');
    const coef = g.op('Sub', [x, floor], {}, 'coef');
    const wStart = g.op('Where', [onRow, this.scalar('one', 1), coef], {}, 'w_start');
    const wNext = g.op('Where', [onRow, this.scalar('zero', 0), g.op('Sub', [this.scalar('one', 1), coef])], {}, 'w_next');
    const rows = g.floats('row_index', Array.from({ length: n }, (_, i) => i), [1, n]);
    const isStart = g.op('Cast', [g.op('Equal', [rows, start])], { to: attr.int(1) });
    const isNext = g.op('Cast', [g.op('Equal', [rows, g.op('Add', [start, this.scalar('one', 1)])])], { to: attr.int(1) });
    return g.op('Add', [g.op('Mul', [isStart, wStart]), g.op('Mul', [isNext, wNext])], {}, 'stat_weights');
  }

  /** x·Wᵀ for a spectral-norm Linear without bias (the conditional batch norms' scale and offset). */
  private snLinear(prefix: string, x: string, outFeatures: number, inFeatures: number): string {
    const w = this.sn(prefix, [outFeatures, inFeatures]);
    return this.g.op('MatMul', [x, this.g.tensor(`${prefix}.weight_t`, [inFeatures, outFeatures], transpose2d(w, outFeatures, inFeatures))]);
  }

  /**
   * BigGANBatchNorm in eval mode: statistics stat_weights·rows, then x·gain + shift with
   * gain = weight / sqrt(var + eps), shift = bias − mean·gain; weight = 1 + scale(cond) and
   * bias = offset(cond) when conditional, the stored affine otherwise.
   */
  batchNorm(prefix: string, x: string, channels: number, stats: string, cond: string | null): string {
    const g = this.g;
    const n = this.cfg.n_stats;
    const flat = this.intConst('flat', [channels]);
    const mean = g.op('Reshape', [g.op('MatMul', [stats, g.tensor(`${prefix}.running_means`, [n, channels], this.read(`${prefix}.running_means`, [n, channels]).data)]), flat], {}, `${prefix}.mean`);
    const variance = g.op('Reshape', [g.op('MatMul', [stats, g.tensor(`${prefix}.running_vars`, [n, channels], this.read(`${prefix}.running_vars`, [n, channels]).data)]), flat], {}, `${prefix}.var`);
    let weight: string;
    let bias: string;
    if (cond) {
      weight = g.op('Add', [this.scalar('one', 1), this.snLinear(`${prefix}.scale`, cond, channels, this.condDim)]);
      bias = this.snLinear(`${prefix}.offset`, cond, channels, this.condDim);
    } else {
      weight = g.tensor(`${prefix}.weight`, [1, channels], this.read(`${prefix}.weight`, [channels]).data);
      bias = g.tensor(`${prefix}.bias`, [1, channels], this.read(`${prefix}.bias`, [channels]).data);
    }
    const gain = g.op('Div', [weight, g.op('Sqrt', [g.op('Add', [variance, this.scalar('eps', this.cfg.eps)])])], {}, `${prefix}.gain`);
    const shift = g.op('Sub', [bias, g.op('Mul', [mean, gain])], {}, `${prefix}.shift`);
    const axes = this.intConst('axes_hw', [2, 3]);
    return g.op('Add', [g.op('Mul', [x, g.op('Unsqueeze', [gain, axes])]), g.op('Unsqueeze', [shift, axes])], {}, prefix);
  }

  /** A spectral-norm Conv2d (stride 1, `kernel` square, padding kernel / 2), keeping the first `keep` output channels. */
  conv(prefix: string, x: string, inChannels: number, outChannels: number, kernel: number, bias: boolean, keep = outChannels): string {
    const g = this.g;
    let w = this.sn(prefix, [outChannels, inChannels, kernel, kernel]);
    let b = bias ? this.read(`${prefix}.bias`, [outChannels]).data : null;
    if (keep < outChannels) {
      w = w.slice(0, keep * inChannels * kernel * kernel);
      b = b && b.slice(0, keep);
    }
    const pad = (kernel - 1) / 2;
    const inputs = [x, g.tensor(`${prefix}.weight`, [keep, inChannels, kernel, kernel], w)];
    if (b) inputs.push(g.tensor(`${prefix}.bias`, [keep], b));
    return g.op('Conv', inputs, { kernel_shape: attr.ints([kernel, kernel]), pads: attr.ints([pad, pad, pad, pad]), strides: attr.ints([1, 1]), dilations: attr.ints([1, 1]), group: attr.int(1) }, prefix);
  }

  upsample(x: string): string {
    return this.g.op('Resize', [x, '', this.shared('scales_2x', () => this.g.floats('scales_2x', [1, 1, 2, 2]))], {
      mode: attr.string('nearest'),
      coordinate_transformation_mode: attr.string('asymmetric'),
      nearest_mode: attr.string('floor'),
    }, 'upsampled');
  }

  /** GenBlock: BN-ReLU-conv four times (1×1 to in/4, 3×3, 3×3, 1×1 up), upsampling before the first 3×3; the skip keeps the lower half of the channels when the block halves them. */
  genBlock(prefix: string, x: string, inCh: number, outCh: number, up: boolean, cond: string, stats: string): string {
    const g = this.g;
    const mid = Math.floor(inCh / 4);
    let h = this.conv(`${prefix}.conv_0`, g.op('Relu', [this.batchNorm(`${prefix}.bn_0`, x, inCh, stats, cond)]), inCh, mid, 1, true);
    h = g.op('Relu', [this.batchNorm(`${prefix}.bn_1`, h, mid, stats, cond)]);
    if (up) h = this.upsample(h);
    h = this.conv(`${prefix}.conv_1`, h, mid, mid, 3, true);
    h = this.conv(`${prefix}.conv_2`, g.op('Relu', [this.batchNorm(`${prefix}.bn_2`, h, mid, stats, cond)]), mid, mid, 3, true);
    h = this.conv(`${prefix}.conv_3`, g.op('Relu', [this.batchNorm(`${prefix}.bn_3`, h, mid, stats, cond)]), mid, outCh, 1, true);
    let skip = x;
    if (inCh !== outCh) skip = g.op('Slice', [skip, this.intConst('start', [0]), this.intConst('end', [outCh]), this.intConst('axis', [1])], {}, `${prefix}.skip`);
    if (up) skip = this.upsample(skip);
    return g.op('Add', [h, skip], {}, `${prefix}.out`);
  }

  /** SAGAN self-attention at `size` px: theta/phi/g 1×1 convs, phi and g max-pooled by 2, x + γ·o_conv(attention-weighted g). */
  selfAttention(prefix: string, x: string, ch: number, size: number): string {
    const g = this.g;
    const hw = size * size;
    const pool = (v: string): string => g.op('MaxPool', [v], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), pads: attr.ints([0, 0, 0, 0]), ceil_mode: attr.int(0) });
    const flatten = (v: string, c: number, n: number): string => g.op('Reshape', [v, this.intConst('shape', [-1, c, n])]);
    const [c8, c2] = [Math.floor(ch / 8), Math.floor(ch / 2)];
    const theta = flatten(this.conv(`${prefix}.snconv1x1_theta`, x, ch, c8, 1, false), c8, hw);
    const phi = flatten(pool(this.conv(`${prefix}.snconv1x1_phi`, x, ch, c8, 1, false)), c8, hw / 4);
    const perm = { perm: attr.ints([0, 2, 1]) };
    const attn = g.op('Softmax', [g.op('MatMul', [g.op('Transpose', [theta], perm), phi])], { axis: attr.int(-1) }, `${prefix}.attention`);
    const gv = flatten(pool(this.conv(`${prefix}.snconv1x1_g`, x, ch, c2, 1, false)), c2, hw / 4);
    const o = g.op('Reshape', [g.op('MatMul', [gv, g.op('Transpose', [attn], perm)]), this.intConst('shape', [-1, c2, size, size])]);
    const gamma = g.tensor(`${prefix}.gamma`, [1], this.read(`${prefix}.gamma`, [1]).data);
    return g.op('Add', [x, g.op('Mul', [gamma, this.conv(`${prefix}.snconv1x1_o_conv`, o, c2, ch, 1, false)])], {}, `${prefix}.out`);
  }

  /** The whole generator: z, c, truncation → img. */
  build(): Uint8Array {
    const { g, cfg } = this;
    const ch = cfg.channel_width;
    const z = g.input('z', ['batch', cfg.z_dim]);
    const c = g.input('c', ['batch', cfg.num_classes]);
    const truncation = g.input('truncation', [1]);
    const stats = this.statWeights(truncation);

    const embedding = this.read('embeddings.weight', [cfg.z_dim, cfg.num_classes]).data;
    const embedded = g.op('MatMul', [c, g.tensor('embeddings.weight_t', [cfg.num_classes, cfg.z_dim], transpose2d(embedding, cfg.z_dim, cfg.num_classes))], {}, 'class_embedding');
    const cond = g.op('Concat', [z, embedded], { axis: attr.int(1) }, 'cond');

    const genZ = 4 * 4 * 16 * ch;
    const genZWeight = g.tensor('generator.gen_z.weight', [genZ, this.condDim], this.sn('generator.gen_z', [genZ, this.condDim]));
    const genZBias = g.tensor('generator.gen_z.bias', [genZ], this.read('generator.gen_z.bias', [genZ]).data);
    // gen_z's outputs are laid out [4, 4, C] (TensorFlow order) in the converted weights.
    let x = g.op('Transpose', [g.op('Reshape', [g.op('Gemm', [cond, genZWeight, genZBias], { transB: attr.int(1) }), this.intConst('shape', [-1, 4, 4, 16 * ch])])], { perm: attr.ints([0, 3, 1, 2]) }, 'gen_z');
    this.step();

    let index = 0;
    cfg.layers.forEach(([up, cin, cout], i) => {
      if (i === cfg.attention_layer_position) {
        x = this.selfAttention(`generator.layers.${index++}`, x, ch * cin, resolutionAt(cfg.layers, i));
        this.step();
      }
      x = this.genBlock(`generator.layers.${index++}`, x, ch * cin, ch * cout, up, cond, stats);
      this.step();
    });

    x = g.op('Relu', [this.batchNorm('generator.bn', x, ch, stats, null)]);
    const rgb = this.conv('generator.conv_to_rgb', x, ch, ch, 3, true, IMG_CHANNELS);
    g.output(g.op('Tanh', [rgb]), 'img', ['batch', IMG_CHANNELS, cfg.output_dim, cfg.output_dim]);
    this.state.checkAllUsed();
    this.step();
    return g.finish({ opset: OPSET });
  }
}

/**
 * Convert a pytorch-pretrained-BigGAN checkpoint (its parsed config.json and its
 * pytorch_model.bin state dict) into the package export_biggan.py --checkpoint writes:
 * `generator.onnx` (z [N, z_dim], c [N, num_classes] float, truncation [1] → img [N, 3, R, R] in
 * [-1, 1]) and its manifest (family `conditional`; `files` is left for the package writer).
 * Throws {@link CheckpointError} for a config or state dict that does not fit BigGAN-deep, and
 * {@link ConversionCancelled} when `options.cancelled` says stop.
 */
export async function convertBigGan(config: unknown, snapshot: NetworkSnapshot, options: BigGanConvertOptions = {}): Promise<ConvertedPackage> {
  if (options.noiseInputs || options.transformInput) {
    throw new CheckpointError(`${options.noiseInputs ? 'noise inputs were' : 'an input transform was'} asked for, but BigGAN generators have neither (they are StyleGAN options); convert without it`);
  }
  const cfg = parseBigGanConfig(config);
  const classNames = options.classNames ? [...options.classNames] : cfg.num_classes === 1000 ? null : Array.from({ length: cfg.num_classes }, (_, i) => `class ${i}`);
  if (!classNames) {
    throw new CheckpointError('a 1000-class BigGAN takes the ImageNet class names (models/tools/biggan/imagenet_classes.txt); pass them as classNames');
  }
  if (classNames.length !== cfg.num_classes) {
    throw new CheckpointError(`${classNames.length} class names were given for a BigGAN with ${cfg.num_classes} classes; give one name per class`);
  }
  let total = 0;
  for (const t of snapshot.tensors.values()) total += t.data.length;
  const graph = new BigGanGraph(cfg, new CheckedState(snapshot.tensors), Math.max(total, 1), options);
  graph.step();
  const onnx = graph.build();

  const folder = options.folderName;
  const id = options.id ?? idFromName(folder ?? 'biggan');
  const manifest = {
    format: 1,
    id,
    name: options.name ?? id,
    license: 'see source',
    attribution: `BigGAN-deep weights from ${folder ?? 'a pytorch-pretrained-BigGAN folder'}`,
    family: 'conditional',
    resolution: cfg.output_dim,
    img_channels: IMG_CHANNELS,
    z_dim: cfg.z_dim,
    w_dim: 0,
    num_ws: 0,
    c_dim: cfg.num_classes,
    class_names: classNames,
    output_range: [-1, 1],
    graphs: { generator: { file: 'generator.onnx', inputs: ['z', 'c', 'truncation'], outputs: ['img'] } },
    files: {},
    generator: {
      source: 'pytorch-pretrained-BigGAN folder (config.json + pytorch_model.bin)',
      architecture: 'BigGAN-deep (huggingface pytorch-pretrained-BigGAN model.BigGAN)',
      config: Object.fromEntries(CONFIG_KEYS.map((k) => [k, k === 'layers' ? cfg.layers.map((l) => [...l]) : cfg[k]])),
      z_distribution:
        'truncation * truncnorm(-2, 2): scipy.stats.truncnorm.rvs(-2, 2, size=(1, z_dim), random_state=numpy.random.RandomState(seed)) as float32 (pytorch_pretrained_biggan truncated_noise_sample)',
      truncation: {
        input: 'truncation', min: 0, max: 1, rows: cfg.n_stats, row_step: 1 / (cfg.n_stats - 1),
        note: 'mixes the stored batch-norm statistic rows with the reference weighting; the same value also scales z',
      },
      exporter: `Latent Studio TypeScript converter (app/checkpoint/biggan.ts), ONNX opset ${OPSET}; spectral norm folded`,
    },
  };
  options.onProgress?.(1);
  return { manifest, files: new Map([['generator.onnx', onnx]]) };
}
