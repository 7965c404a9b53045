/**
 * StyleGAN2 checkpoints → model packages without Python: the graphs, side files and manifest that
 * `models/tools/export_stylegan.py` writes for an NVIDIA network pickle, built in TypeScript from
 * the pickle's G_ema snapshot. Two source families share one forward pass: stylegan2-ada-pytorch's
 * `training.networks.Generator` (kwargs nested under `synthesis_kwargs`, conv_clamp default None)
 * and the stylegan3 repo's `networks_stylegan2.Generator` (synthesis kwargs flattened into the
 * Generator's, conv_clamp default 256), told apart as `stylegan/nvidia_pickle.py` tells them.
 *
 * The graphs mirror `models/tools/stylegan/networks.py` as its exporter traces it, op for op:
 * modulated convolutions unfused (scale by styles, one plain Conv, scale by demodulation
 * coefficients from a constant [in, out] matrix), FIR resampling as single-channel Convs on a
 * [N·C, 1, H, W] view, Conv inputs padded to a multiple of 4 channels, everything in float32 (fp16
 * blocks of the source run in fp32, as the official code does on CPU with force_fp32). Nothing is
 * trusted: every tensor's shape is checked against what the constructor arguments imply and every
 * recorded module attribute against the rebuilt architecture before a graph is built.
 */
import { writeNpz } from '../codecs/npz';
import type { FloatArray } from '../codecs/npy';
import { attr, GraphBuilder } from '../graph/builder';
import { conv2dGraph, demodMatrix } from './stylegan-conv';
import { GENERATOR_POSITIONAL, generatorKwargs, isRecord, type GeneratorDims } from './stylegan-kwargs';
import { styleGanManifest } from './stylegan-manifest';
import { CheckedStateDict, checkModules, pythonFallback, type ExpectedModule } from './state-dict';
import {
  ACTIVATIONS,
  activate,
  buildMappingGraph,
  denseGraph,
  denseModule,
  effectiveDense,
  isActivation,
  mappingModules,
  rsqrt,
  scaleF32,
  takeMappingWeights,
  type Activation,
  type DenseLayer,
  type MappingWeights,
} from './stylegan-mapping';
import {
  CheckpointError,
  ConversionCancelled,
  type ConvertedPackage,
  type ConvertOptions,
  type NetworkSnapshot,
  type StoredTensor,
} from './snapshot';

/** `generator.architecture` in the manifest, as export_stylegan.py writes it. */
export const STYLEGAN2_ARCHITECTURE = 'StyleGAN2 (stylegan2-ada-pytorch training.networks.Generator)';

/** `generator.source` per family, as stylegan/nvidia_pickle.py names them. */
export const STYLEGAN2_SOURCES = {
  ada: 'stylegan2-ada-pytorch training.networks pickle',
  stylegan3Repo: 'stylegan3 training.networks_stylegan2 pickle',
} as const;

const FALLBACK = pythonFallback('/usr/bin/python3 models/tools/export_stylegan.py --pickle <file> --out <folder>');
const OPSET = 17;
const NOISE_CONST_FILE = 'noise_const.npz';
const STYLE_AFFINE_FILE = 'style_affine.npz';

function refuse(what: string): never {
  throw new CheckpointError(`${what}. ${FALLBACK}`);
}

// ------------------------------------------------------------------------------------------------
// Configuration: the constructor arguments, read as the Python classes read them.

const MAPPING_KWARGS = new Set(['num_layers', 'embed_features', 'layer_features', 'activation', 'lr_multiplier', 'w_avg_beta']);
/** What SynthesisNetwork, SynthesisBlock and SynthesisLayer accept between them (networks.py). */
const SYNTHESIS_KWARGS = new Set([
  'channel_base', 'channel_max', 'num_fp16_res', 'architecture', 'resample_filter', 'conv_clamp',
  'fp16_channels_last', 'fused_modconv_default', 'kernel_size', 'use_noise', 'activation', 'channels_last',
]);

interface Block {
  readonly res: number;
  /** 0 for the first block (its input is the learned constant). */
  readonly inChannels: number;
  readonly outChannels: number;
  readonly hasTorgb: boolean;
  /** The ws row of the block's first layer. */
  readonly wsIndex: number;
}

interface Config extends GeneratorDims {
  readonly source: string;
  readonly architecture: 'skip' | 'orig';
  readonly filterTaps: number;
  readonly convClamp: number | null;
  readonly kernelSize: number;
  readonly useNoise: boolean;
  readonly activation: Activation;
  readonly blocks: readonly Block[];
  /** `generator.init_kwargs` of the manifest: the rebuilt Generator's init_kwargs(). */
  readonly initKwargs: Record<string, unknown>;
}

function integer(where: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) refuse(`${where} is ${JSON.stringify(value)}, expected an integer ≥ ${min}`);
  return value;
}

function finite(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) refuse(`${where} is ${JSON.stringify(value)}, expected a number`);
  return value;
}

function activationName(where: string, value: unknown): Activation {
  if (!isActivation(value)) refuse(`${where} is ${JSON.stringify(value)}, not one of ${Object.keys(ACTIVATIONS).join(', ')}`);
  return value;
}

function readConfig(snapshot: NetworkSnapshot): Config {
  if (snapshot.className !== 'Generator') refuse(`the network is a ${snapshot.className}, not a StyleGAN2 Generator`);
  const input = snapshot.modules.get('synthesis.input');
  if (input?.className === 'SynthesisInput') refuse('the network is a StyleGAN3 generator (its synthesis has a SynthesisInput); convert it as StyleGAN3');
  const kwargs = generatorKwargs(snapshot, (finding) => new CheckpointError(`${finding}. ${FALLBACK}`));
  const base = Object.fromEntries(GENERATOR_POSITIONAL.slice(0, 5).map((k) => [k, kwargs[k]]));
  const mappingKwargs: unknown = kwargs.mapping_kwargs ?? {};
  for (const k of GENERATOR_POSITIONAL) delete kwargs[k];
  let source: string;
  let synthesisKwargs: Record<string, unknown>;
  if ('synthesis_kwargs' in kwargs) {
    const given: unknown = kwargs.synthesis_kwargs ?? {};
    if (!isRecord(given)) refuse(`synthesis_kwargs is ${JSON.stringify(given)}, not a dict`);
    delete kwargs.synthesis_kwargs;
    const extra = Object.keys(kwargs);
    if (extra.length > 0) refuse(`the Generator has arguments a StyleGAN2-ADA Generator does not take: ${extra.sort().join(', ')}`);
    source = STYLEGAN2_SOURCES.ada;
    synthesisKwargs = { ...given };
    if (!('conv_clamp' in synthesisKwargs)) synthesisKwargs.conv_clamp = null;
  } else {
    source = STYLEGAN2_SOURCES.stylegan3Repo;
    synthesisKwargs = { ...kwargs };
    if (!('conv_clamp' in synthesisKwargs)) synthesisKwargs.conv_clamp = 256;
  }
  if (!isRecord(mappingKwargs)) refuse(`mapping_kwargs is ${JSON.stringify(mappingKwargs)}, not a dict`);
  const unknownMapping = Object.keys(mappingKwargs).filter((k) => !MAPPING_KWARGS.has(k));
  if (unknownMapping.length > 0) refuse(`mapping_kwargs has arguments the StyleGAN2 MappingNetwork does not take: ${unknownMapping.sort().join(', ')}`);
  const unknownSynthesis = Object.keys(synthesisKwargs).filter((k) => !SYNTHESIS_KWARGS.has(k));
  if (unknownSynthesis.length > 0) refuse(`the synthesis arguments include ones the StyleGAN2 synthesis network does not take: ${unknownSynthesis.sort().join(', ')}`);

  const zDim = integer('z_dim', base.z_dim, 1);
  const cDim = integer('c_dim', base.c_dim, 0);
  const wDim = integer('w_dim', base.w_dim, 1);
  const resolution = integer('img_resolution', base.img_resolution, 4);
  if ((resolution & (resolution - 1)) !== 0) refuse(`img_resolution is ${resolution}, not a power of two`);
  const imgChannels = integer('img_channels', base.img_channels, 1);

  const architecture = synthesisKwargs.architecture ?? 'skip';
  if (architecture !== 'skip' && architecture !== 'orig') {
    refuse(`the synthesis architecture is ${JSON.stringify(architecture)}; this converter (like networks.py) builds 'skip' and 'orig' only`);
  }
  const filter = synthesisKwargs.resample_filter ?? [1, 3, 3, 1];
  if (!Array.isArray(filter) || filter.length === 0 || filter.some((v) => typeof v !== 'number')) refuse(`resample_filter is ${JSON.stringify(filter)}, expected a list of taps`);
  if (filter.length % 2 !== 0) refuse(`resample_filter has ${filter.length} taps; 2x upsampling needs an even number`);
  const clamp = synthesisKwargs.conv_clamp;
  const convClamp = clamp === null || clamp === undefined ? null : finite('conv_clamp', clamp);
  const kernelSize = integer('kernel_size', synthesisKwargs.kernel_size ?? 3, 1);
  const useNoise = synthesisKwargs.use_noise ?? true;
  if (typeof useNoise !== 'boolean') refuse(`use_noise is ${JSON.stringify(useNoise)}, expected true or false`);
  const activation = activationName('the synthesis activation', synthesisKwargs.activation ?? 'lrelu');
  const channelBase = integer('channel_base', synthesisKwargs.channel_base ?? 32768, 1);
  const channelMax = integer('channel_max', synthesisKwargs.channel_max ?? 512, 1);

  const channels = (res: number): number => Math.min(Math.floor(channelBase / res), channelMax);
  const blocks: Block[] = [];
  let wsIndex = 0;
  let numWs = 0;
  for (let res = 4; res <= resolution; res *= 2) {
    const inChannels = res > 4 ? channels(res / 2) : 0;
    const outChannels = channels(res);
    if (outChannels < 1) refuse(`channel_base ${channelBase} leaves the ${res}-px block without channels`);
    const isLast = res === resolution;
    const hasTorgb = isLast || architecture === 'skip';
    const numConv = inChannels === 0 ? 1 : 2;
    blocks.push({ res, inChannels, outChannels, hasTorgb, wsIndex });
    wsIndex += numConv;
    numWs += numConv + (isLast && hasTorgb ? 1 : 0);
  }

  const numLayers = integer('mapping_kwargs.num_layers', mappingKwargs.num_layers ?? 8, 1);
  const embedFeatures = cDim === 0 ? 0 : integer('mapping_kwargs.embed_features', mappingKwargs.embed_features ?? wDim, 1);
  const layerFeatures = integer('mapping_kwargs.layer_features', mappingKwargs.layer_features ?? wDim, 1);
  const lrMultiplier = finite('mapping_kwargs.lr_multiplier', mappingKwargs.lr_multiplier ?? 0.01);
  if ('w_avg_beta' in mappingKwargs && mappingKwargs.w_avg_beta === null) refuse('mapping_kwargs.w_avg_beta is None: the network keeps no w_avg, which truncation needs');
  return {
    source,
    zDim,
    cDim,
    wDim,
    resolution,
    imgChannels,
    numWs,
    mapping: {
      zDim,
      cDim,
      wDim,
      numWs,
      numLayers,
      lrMultiplier,
      embedFeatures,
      layerFeatures,
      activation: activationName('mapping_kwargs.activation', mappingKwargs.activation ?? 'lrelu'),
    },
    architecture,
    filterTaps: filter.length,
    convClamp,
    kernelSize,
    useNoise,
    activation,
    blocks,
    initKwargs: { ...base, mapping_kwargs: { ...mappingKwargs }, synthesis_kwargs: synthesisKwargs },
  };
}

// ------------------------------------------------------------------------------------------------
// What the configuration implies: the state dict's shapes and the modules' recorded attributes.

interface LayerSpec {
  /** `b8.conv0`: the name in style_affine.npz, noise inputs and the manifest. */
  readonly name: string;
  readonly kind: 'conv' | 'torgb';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly res: number;
  readonly up: 1 | 2;
  readonly wsIndex: number;
}

/** Every ws-consuming layer in graph order (networks.py SynthesisNetwork.ws_layers). */
function layerSpecs(cfg: Config): LayerSpec[] {
  const out: LayerSpec[] = [];
  for (const b of cfg.blocks) {
    let idx = b.wsIndex;
    if (b.inChannels !== 0) out.push({ name: `b${b.res}.conv0`, kind: 'conv', inChannels: b.inChannels, outChannels: b.outChannels, res: b.res, up: 2, wsIndex: idx++ });
    out.push({ name: `b${b.res}.conv1`, kind: 'conv', inChannels: b.outChannels, outChannels: b.outChannels, res: b.res, up: 1, wsIndex: idx++ });
    if (b.hasTorgb) out.push({ name: `b${b.res}.torgb`, kind: 'torgb', inChannels: b.outChannels, outChannels: cfg.imgChannels, res: b.res, up: 1, wsIndex: idx });
  }
  return out;
}

/** The shapes of the synthesis tensors (the mapping network's are {@link takeMappingWeights}'). */
function expectedShapes(cfg: Config, layers: readonly LayerSpec[]): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const fc = (prefix: string, inF: number, outF: number): void => {
    shapes.set(`${prefix}.weight`, [outF, inF]);
    shapes.set(`${prefix}.bias`, [outF]);
  };
  const f = cfg.filterTaps;
  for (const b of cfg.blocks) {
    if (b.inChannels === 0) shapes.set(`synthesis.b${b.res}.const`, [b.outChannels, b.res, b.res]);
    shapes.set(`synthesis.b${b.res}.resample_filter`, [f, f]);
  }
  for (const l of layers) {
    const p = `synthesis.${l.name}`;
    fc(`${p}.affine`, cfg.wDim, l.inChannels);
    const k = l.kind === 'torgb' ? 1 : cfg.kernelSize;
    shapes.set(`${p}.weight`, [l.outChannels, l.inChannels, k, k]);
    shapes.set(`${p}.bias`, [l.outChannels]);
    if (l.kind === 'conv') {
      shapes.set(`${p}.resample_filter`, [f, f]);
      if (cfg.useNoise) {
        shapes.set(`${p}.noise_const`, [l.res, l.res]);
        shapes.set(`${p}.noise_strength`, []);
      }
    }
  }
  return shapes;
}

/** A layer's style affine as stored: FullyConnectedLayer(w_dim, in_channels), lr 1, linear. */
function affineLayer(tensors: ReadonlyMap<string, StoredTensor>, l: LayerSpec): DenseLayer {
  // Presence and shape were checked against the configuration before anything reads them.
  const p = `synthesis.${l.name}.affine`;
  return { weight: tensors.get(`${p}.weight`)!, bias: tensors.get(`${p}.bias`)!, lrMultiplier: 1, activation: 'linear' };
}

/**
 * The class and the architecture attributes networks.py's rebuilt module would record at each
 * path: the subset of nvidia_pickle.py's _CHECKED_ATTRS that our modules carry, so a value the
 * kwargs alone do not pin down (a clamp, a padding, a gain) cannot differ unnoticed.
 */
function expectedModules(cfg: Config, layers: readonly LayerSpec[], tensors: ReadonlyMap<string, StoredTensor>, mapping: MappingWeights): Map<string, ExpectedModule> {
  const dims = { z_dim: cfg.zDim, c_dim: cfg.cDim, w_dim: cfg.wDim };
  const image = { img_resolution: cfg.resolution, img_channels: cfg.imgChannels };
  const modules = new Map<string, ExpectedModule>([
    ['', { className: 'Generator', attributes: { ...dims, ...image, num_ws: cfg.numWs } }],
    ...mappingModules(cfg.mapping, mapping),
    ['synthesis', { className: 'SynthesisNetwork', attributes: { w_dim: cfg.wDim, ...image, num_ws: cfg.numWs } }],
  ]);
  for (const b of cfg.blocks) {
    modules.set(`synthesis.b${b.res}`, {
      className: 'SynthesisBlock',
      attributes: { in_channels: b.inChannels, w_dim: cfg.wDim, resolution: b.res, img_channels: cfg.imgChannels, architecture: cfg.architecture },
    });
  }
  for (const l of layers) {
    const path = `synthesis.${l.name}`;
    if (l.kind === 'conv') {
      modules.set(path, {
        className: 'SynthesisLayer',
        attributes: {
          in_channels: l.inChannels, resolution: l.res, up: l.up, use_noise: cfg.useNoise, activation: cfg.activation,
          conv_clamp: cfg.convClamp, padding: Math.floor(cfg.kernelSize / 2), act_gain: ACTIVATIONS[cfg.activation].gain,
        },
      });
    } else {
      modules.set(path, { className: 'ToRGBLayer', attributes: { in_channels: l.inChannels, conv_clamp: cfg.convClamp, weight_gain: 1 / Math.sqrt(l.inChannels) } });
    }
    modules.set(`${path}.affine`, denseModule(affineLayer(tensors, l)));
  }
  return modules;
}

// ------------------------------------------------------------------------------------------------
// Graph pieces.

/** A graph builder with the checked tensors at hand, and the per-channel FIR convolution of the synthesis graph. */
class Graph {
  readonly g = new GraphBuilder();

  constructor(private readonly tensors: ReadonlyMap<string, StoredTensor>) {}

  tensor(key: string): StoredTensor {
    // Presence and shape were checked against the configuration before any graph is built.
    return this.tensors.get(key)!;
  }

  /**
   * One 2-D kernel over every channel (networks.per_channel_conv): a single-channel (transposed)
   * Conv on the [N·C, 1, H, W] view, so no grouped or depthwise Conv reaches the graph.
   */
  perChannel(x: string, channels: number, size: number, kernel: string, op: 'Conv' | 'ConvTranspose', attributes: Record<string, ReturnType<typeof attr.ints>>, outSize: number): string {
    const flat = this.g.op('Reshape', [x, this.g.constInts([-1, 1, size, size])]);
    const y = this.g.op(op, [flat, kernel], attributes);
    return this.g.op('Reshape', [y, this.g.constInts([-1, channels, outSize, outSize])]);
  }
}

/** The stored [f, f] filter flipped (or not) and scaled, as a [1, 1, f, f] kernel. */
function filterKernel(graph: Graph, key: string, gain: number, flip: boolean): { name: string; taps: number } {
  const f = graph.tensor(key);
  const taps = f.shape[0]!;
  const k = new Float32Array(taps * taps);
  for (let y = 0; y < taps; y++) for (let x = 0; x < taps; x++) k[y * taps + x] = f.data[flip ? (taps - 1 - y) * taps + (taps - 1 - x) : y * taps + x]! * gain;
  return { name: graph.g.tensor(`${key}.kernel`, [1, 1, taps, taps], k), taps };
}

// ------------------------------------------------------------------------------------------------
// The two graphs.

/** The unit-noise input name of a layer (export_stylegan.noise_input_name). */
const noiseInputName = (layer: string): string => `noise_${layer}`;

interface SynthesisGraph {
  readonly bytes: Uint8Array;
  readonly inputs: string[];
}

async function buildSynthesis(cfg: Config, tensors: ReadonlyMap<string, StoredTensor>, layers: readonly LayerSpec[], noiseInputs: boolean, step: () => Promise<void>): Promise<SynthesisGraph> {
  const graph = new Graph(tensors);
  const { g } = graph;
  const ws = g.input('ws', ['batch', cfg.numWs, cfg.wDim]);
  const inputs = ['ws'];
  const noise = new Map<string, string>();
  if (noiseInputs) {
    for (const l of layers) {
      if (l.kind !== 'conv') continue;
      const name = noiseInputName(l.name);
      noise.set(l.name, g.input(name, [1, 1, l.res, l.res]));
      inputs.push(name);
    }
  }
  const rows = new Map<number, string>();
  const row = (index: number): string => {
    let r = rows.get(index);
    if (r === undefined) rows.set(index, (r = g.op('Gather', [ws, g.constInts([index], [])], { axis: attr.int(1) }, `ws_row${index}`)));
    return r;
  };
  const styles = (l: LayerSpec): string => denseGraph(g, row(l.wsIndex), affineLayer(tensors, l), `synthesis.${l.name}.affine`);
  const modulate = (x: string, s: string, channels: number): string => g.op('Mul', [x, g.op('Reshape', [s, g.constInts([-1, channels, 1, 1])])]);

  /** SynthesisLayer.forward: modulated conv (2x up for conv0), demodulation, noise, bias_act. */
  const synthesisLayer = (x: string, size: number, l: LayerSpec): string => {
    const p = `synthesis.${l.name}`;
    const s = styles(l);
    const w = graph.tensor(`${p}.weight`);
    const [o, i, kh, kw] = w.shape as [number, number, number, number];
    const padding = Math.floor(cfg.kernelSize / 2);
    let y = modulate(x, s, i);
    if (l.up === 1) {
      y = conv2dGraph(g, y, w.data, [o, i, kh, kw], padding, `${p}.weight`);
    } else {
      // conv2d_resample's transposed-conv-then-filter bookkeeping (networks.modulated_conv2d).
      const fw = cfg.filterTaps;
      const px0 = padding + Math.floor((fw + 1) / 2) - (kw - 1);
      const px1 = padding + Math.floor((fw - 2) / 2) - (kw - 2);
      const pxt = Math.max(Math.min(-px0, -px1), 0);
      if (px0 + pxt < 0 || px1 + pxt < 0) refuse(`a ${kw}x${kw} kernel with a ${fw}-tap filter crops after upsampling, which this converter does not build`);
      // Stored [out, in, k, k]; the transposed Conv takes [in, out, k, k], unflipped (flip_weight=False).
      const wt = new Float32Array(w.data.length);
      const k2 = kh * kw;
      for (let oc = 0; oc < o; oc++) for (let ic = 0; ic < i; ic++) wt.set(w.data.subarray((oc * i + ic) * k2, (oc * i + ic + 1) * k2), (ic * o + oc) * k2);
      y = g.op('ConvTranspose', [y, g.tensor(`${p}.weight`, [i, o, kh, kw], wt)], { strides: attr.ints([2, 2]), pads: attr.ints([pxt, pxt, pxt, pxt]) });
      const upSize = (size - 1) * 2 + kh - 2 * pxt;
      const k = filterKernel(graph, `${p}.resample_filter`, 4, true);
      const [a, b] = [px0 + pxt, px1 + pxt];
      const outSize = upSize + a + b - k.taps + 1;
      if (outSize !== l.res) refuse(`the upsampling of ${l.name} yields ${outSize} px instead of ${l.res}`);
      y = graph.perChannel(y, o, upSize, k.name, 'Conv', { pads: attr.ints([a, a, b, b]) }, outSize);
    }
    const demod = demodMatrix(w.data, o, i, kh * kw);
    const dcoefs = rsqrt(g, g.op('Add', [g.op('MatMul', [g.op('Mul', [s, s]), g.tensor(`${p}.demod`, [i, o], demod)]), g.constFloat(1e-8)]));
    y = g.op('Mul', [y, g.op('Reshape', [dcoefs, g.constInts([-1, o, 1, 1])])]);
    if (cfg.useNoise) {
      const strength = graph.tensor(`${p}.noise_strength`).data[0]!;
      const input = noise.get(l.name);
      const n = input !== undefined
        ? g.op('Mul', [input, g.floats(`${p}.noise_strength`, [strength], [])])
        : g.tensor(`${p}.noise`, [l.res, l.res], scaleF32(graph.tensor(`${p}.noise_const`).data, strength));
      y = g.op('Add', [y, n]);
    }
    y = g.op('Add', [y, g.tensor(`${p}.bias`, [1, o, 1, 1], graph.tensor(`${p}.bias`).data)]);
    return activate(g, y, cfg.activation, ACTIVATIONS[cfg.activation].gain, cfg.convClamp);
  };

  /** ToRGBLayer.forward: styles × 1/√in, modulated 1×1 conv without demodulation, bias, clamp. */
  const toRgb = (x: string, l: LayerSpec): string => {
    const p = `synthesis.${l.name}`;
    const w = graph.tensor(`${p}.weight`);
    const s = g.op('Mul', [styles(l), g.constFloat(1 / Math.sqrt(l.inChannels))]);
    const y = conv2dGraph(g, modulate(x, s, l.inChannels), w.data, w.shape as [number, number, number, number], 0, `${p}.weight`);
    const biased = g.op('Add', [y, g.tensor(`${p}.bias`, [1, l.outChannels, 1, 1], graph.tensor(`${p}.bias`).data)]);
    return activate(g, biased, 'linear', 1, cfg.convClamp);
  };

  let x = '';
  let img: string | null = null;
  for (const b of cfg.blocks) {
    await step();
    const blockLayers = layers.filter((l) => l.res === b.res);
    for (const l of blockLayers) {
      if (l.kind !== 'conv') continue;
      if (b.inChannels === 0) {
        // The learned constant as [1, C, 4, 4]: it broadcasts against the batch of styles.
        const c = graph.tensor(`synthesis.b${b.res}.const`);
        x = g.tensor(`synthesis.b${b.res}.const`, [1, b.outChannels, b.res, b.res], c.data);
      }
      x = synthesisLayer(x, l.up === 2 ? b.res / 2 : b.res, l);
    }
    if (img !== null) {
      // upsample2d: zero insertion + FIR (gain 4) as one transposed Conv with the unflipped filter.
      const k = filterKernel(graph, `synthesis.b${b.res}.resample_filter`, 4, false);
      const pad = k.taps - 1 - Math.floor((k.taps + 1) / 2);
      img = graph.perChannel(img, cfg.imgChannels, b.res / 2, k.name, 'ConvTranspose', { strides: attr.ints([2, 2]), pads: attr.ints([pad, pad, pad, pad]) }, b.res);
    }
    const rgb = blockLayers.find((l) => l.kind === 'torgb');
    if (rgb !== undefined) {
      const y = toRgb(x, rgb);
      img = img === null ? y : g.op('Add', [img, y]);
    }
  }
  g.output(img!, 'img', ['batch', cfg.imgChannels, cfg.resolution, cfg.resolution]);
  return { bytes: g.finish({ opset: OPSET }), inputs };
}

// ------------------------------------------------------------------------------------------------
// Side files and the manifest.

/** style_affine.npz (export_stylegan.style_affine_arrays): each layer's runtime affine, [in, w_dim], and bias. */
function styleAffine(cfg: Config, snapshot: NetworkSnapshot, layers: readonly LayerSpec[]): { arrays: Record<string, FloatArray>; entries: Record<string, unknown>[] } {
  const arrays: Record<string, FloatArray> = {};
  const entries: Record<string, unknown>[] = [];
  for (const l of layers) {
    const extra = l.kind === 'torgb' ? 1 / Math.sqrt(l.inChannels) : 1;
    const { weight, bias } = effectiveDense(affineLayer(snapshot.tensors, l));
    arrays[l.name] = { data: scaleF32(weight, extra), shape: [l.inChannels, cfg.wDim] };
    arrays[`${l.name}.bias`] = { data: scaleF32(bias, extra), shape: [l.inChannels] };
    entries.push({ name: l.name, ws_index: l.wsIndex, channels: l.inChannels });
  }
  return { arrays, entries };
}

/** ws_resolutions: 4·2^⌊i/2⌋, capped at the output size (networks.ws_resolutions). */
function wsResolutions(numWs: number, resolution: number): number[] {
  return Array.from({ length: numWs }, (_, i) => Math.min(4 * 2 ** Math.floor(i / 2), resolution));
}

/**
 * Convert a StyleGAN2 G_ema snapshot (stylegan2-ada-pytorch `training.networks.Generator` or the
 * stylegan3 repo's `networks_stylegan2.Generator`) into the package export_stylegan.py writes:
 * `mapping.onnx` (z[, c] → ws at ψ = 1), `synthesis.onnx` (ws [+ `noise_<layer>` inputs] → img,
 * const noise otherwise), `style_affine.npz`, `noise_const.npz` with `noiseInputs`, and the
 * manifest (its `files` left empty for the package writer). Throws {@link CheckpointError} when the
 * snapshot is not a StyleGAN2 generator this converter builds exactly (the message names the
 * argument, key or attribute and both values), {@link ConversionCancelled} when asked to stop.
 */
export async function convertStyleGan2(snapshot: NetworkSnapshot, options: ConvertOptions = {}): Promise<ConvertedPackage> {
  if (options.transformInput) refuse('an input transform was asked for, but StyleGAN2 generators have none (it is a StyleGAN3 option)');
  const cfg = readConfig(snapshot);
  const layers = layerSpecs(cfg);
  const dict = new CheckedStateDict(snapshot, `a ${cfg.source.replace(/ pickle$/, '')} Generator`, FALLBACK, `init_kwargs ${JSON.stringify(cfg.initKwargs)}`);
  const mappingWeights = takeMappingWeights(dict, cfg.mapping);
  for (const [key, shape] of expectedShapes(cfg, layers)) dict.take(key, shape);
  dict.assertAllUsed();
  checkModules(snapshot, expectedModules(cfg, layers, snapshot.tensors, mappingWeights), dict);
  if (options.noiseInputs && !cfg.useNoise) refuse('noise inputs were asked for, but this generator has no noise layers (use_noise is False)');

  const total = cfg.blocks.length + 2;
  let done = 0;
  const step = async (): Promise<void> => {
    // Yield between steps so that a host can run its cancel handler while a large net converts.
    await Promise.resolve();
    if (options.cancelled?.()) throw new ConversionCancelled();
    options.onProgress?.(done++ / total);
  };
  await step();
  const mapping = buildMappingGraph(cfg.mapping, mappingWeights);
  const synthesis = await buildSynthesis(cfg, snapshot.tensors, layers, options.noiseInputs ?? false, step);
  await step();

  const affine = styleAffine(cfg, snapshot, layers);
  const files = new Map<string, Uint8Array>([
    ['mapping.onnx', mapping],
    ['synthesis.onnx', synthesis.bytes],
    [STYLE_AFFINE_FILE, writeNpz(affine.arrays)],
  ]);
  const sideFiles: Record<string, string> = { style_affine: STYLE_AFFINE_FILE };
  const noiseLayers = layers.filter((l) => l.kind === 'conv');
  if (options.noiseInputs) {
    const consts: Record<string, FloatArray> = {};
    for (const l of noiseLayers) consts[noiseInputName(l.name)] = { data: snapshot.tensors.get(`synthesis.${l.name}.noise_const`)!.data, shape: [1, 1, l.res, l.res] };
    files.set(NOISE_CONST_FILE, writeNpz(consts));
    sideFiles.noise_const = NOISE_CONST_FILE;
  }

  const id = options.id ?? 'stylegan2';
  const manifest = styleGanManifest({
    id,
    name: options.name ?? id,
    attribution: `converted from a ${cfg.source}`,
    resolution: cfg.resolution,
    imgChannels: cfg.imgChannels,
    mapping: cfg.mapping,
    wAvg: mappingWeights.wAvg,
    wsResolutions: wsResolutions(cfg.numWs, cfg.resolution),
    synthesisInputs: synthesis.inputs,
    sideFiles,
    ...(options.noiseInputs ? { inputs: { noise_inputs: noiseLayers.map((l) => ({ name: noiseInputName(l.name), resolution: l.res, const_file: NOISE_CONST_FILE })) } } : {}),
    generator: {
      source: cfg.source,
      architecture: STYLEGAN2_ARCHITECTURE,
      initKwargs: cfg.initKwargs,
      exporter: `Latent Studio TypeScript converter (app/checkpoint/stylegan2.ts), ONNX opset ${OPSET}`,
      styleAffineLayers: affine.entries,
    },
  });
  options.onProgress?.(1);
  return { manifest, files };
}
