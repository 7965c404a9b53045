/**
 * StyleGAN3 (the stylegan3 repo's `training.networks_stylegan3.Generator`, configs T and R) from
 * a {@link NetworkSnapshot} to a model package, in TypeScript, so that artists can open NVIDIA's
 * pickles without PyTorch. The graphs compute what `models/tools/export_stylegan.py` exports from
 * `models/tools/stylegan/networks_sg3.py`, op for op where rounding could differ: the Fourier input
 * with the per-sample rotation/translation and the user transform applied to frequencies and
 * phases, sin as `sin_cycles` (no Sin op: WebGPU's is imprecise), modulated convolutions as
 * scale → plain Conv → demodulate, and filtered_lrelu as bias → transposed-conv upsampling →
 * leaky ReLU/gain/clamp → strided-conv downsampling, every FIR a single-channel Conv on a
 * [N·C, 1, H, W] view. The FIR filters are the stored `up_filter`/`down_filter` buffers, so no filter
 * design happens here; the layer geometry (sizes, sampling rates, paddings) is recomputed from the
 * constructor arguments as the official constructor does, and checked against what every stored
 * module recorded before anything is built.
 */
import { attr, GraphBuilder } from '../graph/builder';
import { writeNpz } from '../codecs/npz';
import type { FloatArray } from '../codecs/npy';
import { conv2dGraph, demodMatrix } from './stylegan-conv';
import { GENERATOR_POSITIONAL, generatorKwargs, isRecord, type GeneratorDims } from './stylegan-kwargs';
import { styleGanManifest } from './stylegan-manifest';
import { CheckedStateDict, checkModules, pythonFallback, type ExpectedModule } from './state-dict';
import {
  activate,
  buildMappingGraph,
  denseGraph,
  denseModule,
  effectiveDense,
  mappingModules,
  rsqrt,
  scaleF32,
  takeMappingWeights,
  type DenseLayer,
  type MappingSpec,
} from './stylegan-mapping';
import { CheckpointError, ConversionCancelled, type ConvertedPackage, type ConvertOptions, type NetworkSnapshot, type StoredTensor } from './snapshot';

const ARCHITECTURE = 'StyleGAN3 (stylegan3 training.networks_stylegan3.Generator)';
const SOURCE = 'stylegan3 training.networks_stylegan3 pickle';
const PRODUCER = 'latent-studio app/checkpoint/stylegan3.ts';
const EXPORTER = 'Latent Studio TypeScript converter (app/checkpoint/stylegan3.ts), ONNX opset 17';
const FALLBACK = pythonFallback('/usr/bin/python3 models/tools/export_stylegan.py --pickle <file> --out <folder>');
const TRANSFORM_INPUT = 'transform';

/** SynthesisNetwork and SynthesisLayer keyword arguments with the official defaults. */
const SYNTHESIS_DEFAULTS = {
  channel_base: 32768,
  channel_max: 512,
  num_layers: 14,
  num_critical: 2,
  first_cutoff: 2,
  first_stopband: 2 ** 2.1,
  last_stopband_rel: 2 ** 0.3,
  margin_size: 10,
  output_scale: 0.25,
  num_fp16_res: 4,
  conv_kernel: 3,
  filter_size: 6,
  lrelu_upsampling: 2,
  use_radial_filters: false,
  conv_clamp: 256 as number | null,
  magnitude_ema_beta: 0.999,
};
const MAPPING_DEFAULTS = { num_layers: 2, lr_multiplier: 0.01, w_avg_beta: 0.998 };

/** One SynthesisLayer's geometry, as the official constructor computes it. */
interface LayerSpec {
  readonly name: string;
  readonly isTorgb: boolean;
  readonly isCriticallySampled: boolean;
  readonly useFp16: boolean;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly inSize: number;
  readonly outSize: number;
  readonly inSamplingRate: number;
  readonly outSamplingRate: number;
  readonly tmpSamplingRate: number;
  readonly inCutoff: number;
  readonly outCutoff: number;
  readonly inHalfWidth: number;
  readonly outHalfWidth: number;
  readonly convKernel: number;
  readonly convClamp: number | null;
  readonly upFactor: number;
  readonly upTaps: number;
  readonly downFactor: number;
  readonly downTaps: number;
  readonly downRadial: boolean;
  /** [x0, x1, y0, y1] of the upsampled signal. */
  readonly padding: readonly [number, number, number, number];
}

/** The whole architecture implied by the constructor arguments. */
interface Architecture extends GeneratorDims {
  readonly synthesis: typeof SYNTHESIS_DEFAULTS;
  readonly input: { channels: number; size: number; samplingRate: number; bandwidth: number };
  readonly layers: readonly LayerSpec[];
  /** Generator constructor arguments as export_stylegan.py records them (G.init_kwargs()). */
  readonly initKwargs: Record<string, unknown>;
}

/** numpy's rint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function architecture(snapshot: NetworkSnapshot, dict: CheckedStateDict): Architecture {
  const kwargs = generatorKwargs(snapshot, (finding) => dict.refuse(finding));
  const int = (name: string, value: unknown, min: number): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw dict.refuse(`${name} is ${JSON.stringify(value)} (an integer ≥ ${min} is needed)`);
    return value;
  };
  const num = (name: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw dict.refuse(`${name} is ${JSON.stringify(value)} (a number is needed)`);
    return value;
  };
  const zDim = int('z_dim', kwargs.z_dim, 1);
  const cDim = int('c_dim', kwargs.c_dim, 0);
  const wDim = int('w_dim', kwargs.w_dim, 1);
  const resolution = int('img_resolution', kwargs.img_resolution, 4);
  const imgChannels = int('img_channels', kwargs.img_channels, 1);
  const mappingKwargs = kwargs.mapping_kwargs ?? {};
  if (!isRecord(mappingKwargs)) throw dict.refuse(`mapping_kwargs is ${JSON.stringify(mappingKwargs)}, not a dict`);

  const synthesisKwargs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs)) if (!(GENERATOR_POSITIONAL as readonly string[]).includes(key)) synthesisKwargs[key] = value;
  const unknown = Object.keys(synthesisKwargs).filter((k) => !(k in SYNTHESIS_DEFAULTS));
  if (unknown.length > 0) throw dict.refuse(`the Generator has arguments the official StyleGAN3 does not take: ${unknown.join(', ')}`);
  const unknownMapping = Object.keys(mappingKwargs).filter((k) => !(k in MAPPING_DEFAULTS));
  if (unknownMapping.length > 0) throw dict.refuse(`mapping_kwargs has arguments the official StyleGAN3 mapping does not take: ${unknownMapping.join(', ')}`);
  const s = { ...SYNTHESIS_DEFAULTS, ...synthesisKwargs } as typeof SYNTHESIS_DEFAULTS;
  const m = { ...MAPPING_DEFAULTS, ...mappingKwargs };
  const numLayers = int('num_layers', s.num_layers, 1);
  const numCritical = int('num_critical', s.num_critical, 0);
  if (numCritical >= numLayers) throw dict.refuse(`num_critical ${numCritical} is not below num_layers ${numLayers}`);
  for (const key of ['channel_base', 'channel_max', 'first_cutoff', 'first_stopband', 'last_stopband_rel', 'margin_size', 'output_scale', 'num_fp16_res', 'filter_size', 'lrelu_upsampling'] as const) num(key, s[key]);
  const convKernel = int('conv_kernel', s.conv_kernel, 1);
  if (s.conv_clamp !== null && num('conv_clamp', s.conv_clamp) < 0) throw dict.refuse(`conv_clamp is ${s.conv_clamp} (filtered_lrelu takes None or a clamp ≥ 0)`);
  if (typeof s.use_radial_filters !== 'boolean') throw dict.refuse(`use_radial_filters is ${JSON.stringify(s.use_radial_filters)}, not a boolean`);

  // SynthesisNetwork.__init__: cutoffs and stopbands grow geometrically up to the last non-critical layer.
  const lastCutoff = resolution / 2;
  const lastStopband = lastCutoff * s.last_stopband_rel;
  const idx = Array.from({ length: numLayers + 1 }, (_, i) => i);
  const exponents = idx.map((i) => Math.min(i / (numLayers - numCritical), 1));
  const cutoffs = exponents.map((e) => s.first_cutoff * (lastCutoff / s.first_cutoff) ** e);
  const stopbands = exponents.map((e) => s.first_stopband * (lastStopband / s.first_stopband) ** e);
  const rates = stopbands.map((sb) => 2 ** Math.ceil(Math.log2(Math.min(sb * 2, resolution))));
  const halfWidths = idx.map((i) => Math.max(stopbands[i]!, rates[i]! / 2) - cutoffs[i]!);
  const sizes = idx.map((i) => (i >= numLayers - 1 ? resolution : rates[i]! + s.margin_size * 2));
  const channels = idx.map((i) => (i === numLayers ? imgChannels : rint(Math.min(s.channel_base / 2 / cutoffs[i]!, s.channel_max))));

  const layers: LayerSpec[] = idx.map((i) => {
    const prev = Math.max(i - 1, 0);
    const isTorgb = i === numLayers;
    const isCriticallySampled = i >= numLayers - numCritical;
    const inRate = Math.trunc(rates[prev]!);
    const outRate = Math.trunc(rates[i]!);
    const tmpRate = Math.max(inRate, outRate) * (isTorgb ? 1 : s.lrelu_upsampling);
    const kernel = isTorgb ? 1 : convKernel;
    const upFactor = rint(tmpRate / inRate);
    const downFactor = rint(tmpRate / outRate);
    if (inRate * upFactor !== tmpRate || outRate * downFactor !== tmpRate) throw dict.refuse(`layer ${i} resamples by a non-integer factor (lrelu_upsampling ${s.lrelu_upsampling})`);
    const upTaps = upFactor > 1 && !isTorgb ? s.filter_size * upFactor : 1;
    const downTaps = downFactor > 1 && !isTorgb ? s.filter_size * downFactor : 1;
    if (upTaps === 1 && upFactor > 1) throw dict.refuse(`layer ${i} upsamples ×${upFactor} without a filter`);
    const inSize = Math.trunc(sizes[prev]!);
    const outSize = Math.trunc(sizes[i]!);
    // The padding that makes the output exactly out_size (stylegan3 paper, appendix C.3).
    const padTotal = (outSize - 1) * downFactor + 1 - (inSize + kernel - 1) * upFactor + upTaps + downTaps - 2;
    const padLo = Math.floor((padTotal + upFactor) / 2);
    const padHi = padTotal - padLo;
    const outChannels = Math.trunc(channels[i]!);
    return {
      name: `L${i}_${outSize}_${outChannels}`,
      isTorgb,
      isCriticallySampled,
      useFp16: rates[i]! * 2 ** s.num_fp16_res > resolution,
      inChannels: Math.trunc(channels[prev]!),
      outChannels,
      inSize,
      outSize,
      inSamplingRate: inRate,
      outSamplingRate: outRate,
      tmpSamplingRate: tmpRate,
      inCutoff: cutoffs[prev]!,
      outCutoff: cutoffs[i]!,
      inHalfWidth: halfWidths[prev]!,
      outHalfWidth: halfWidths[i]!,
      convKernel: kernel,
      convClamp: s.conv_clamp,
      upFactor,
      upTaps,
      downFactor,
      downTaps,
      downRadial: s.use_radial_filters && !isCriticallySampled,
      padding: [padLo, padHi, padLo, padHi],
    };
  });
  const numWs = numLayers + 2;
  const mapping: MappingSpec = {
    zDim,
    cDim,
    wDim,
    numWs,
    numLayers: int('mapping_kwargs.num_layers', m.num_layers, 1),
    lrMultiplier: num('mapping_kwargs.lr_multiplier', m.lr_multiplier),
    embedFeatures: wDim,
    layerFeatures: wDim,
    activation: 'lrelu',
  };
  const { z_dim: _z, c_dim: _c, w_dim: _w, img_resolution: _r, img_channels: _i, mapping_kwargs: _m, ...rest } = kwargs;
  return {
    zDim,
    cDim,
    wDim,
    resolution,
    imgChannels,
    numWs,
    mapping,
    synthesis: s,
    input: { channels: Math.trunc(channels[0]!), size: Math.trunc(sizes[0]!), samplingRate: rates[0]!, bandwidth: cutoffs[0]! },
    layers,
    initKwargs: { z_dim: zDim, c_dim: cDim, w_dim: wDim, img_resolution: resolution, img_channels: imgChannels, mapping_kwargs: mappingKwargs, ...rest },
  };
}

/** One synthesis layer's tensors. */
interface LayerWeights {
  readonly affine: DenseLayer;
  readonly weight: StoredTensor;
  readonly bias: StoredTensor;
  readonly magnitudeEma: number;
  readonly upFilter: StoredTensor | null;
  readonly downFilter: StoredTensor | null;
}

interface SynthesisWeights {
  readonly inputAffine: DenseLayer;
  readonly inputWeight: StoredTensor;
  readonly transform: Float32Array;
  readonly freqs: Float32Array;
  readonly phases: Float32Array;
  readonly layers: readonly LayerWeights[];
}

function takeSynthesisWeights(dict: CheckedStateDict, arch: Architecture): SynthesisWeights {
  const { channels: C } = arch.input;
  const affine = (prefix: string, out: number): DenseLayer => ({
    weight: dict.take(`${prefix}.affine.weight`, [out, arch.wDim]),
    bias: dict.take(`${prefix}.affine.bias`, [out]),
    lrMultiplier: 1,
    activation: 'linear',
  });
  const filter = (name: string, taps: number, radial: boolean): StoredTensor | null => {
    if (taps === 1) return null;
    return dict.take(name, radial ? [taps, taps] : [taps]);
  };
  return {
    inputAffine: affine('synthesis.input', 4),
    inputWeight: dict.take('synthesis.input.weight', [C, C]),
    transform: dict.take('synthesis.input.transform', [3, 3]).data,
    freqs: dict.take('synthesis.input.freqs', [C, 2]).data,
    phases: dict.take('synthesis.input.phases', [C]).data,
    layers: arch.layers.map((L) => {
      const p = `synthesis.${L.name}`;
      const ema = dict.take(`${p}.magnitude_ema`, []).data[0]!;
      if (!(ema > 0)) throw dict.refuse(`${p}.magnitude_ema is ${ema} (a positive running mean of squared activations is needed)`);
      return {
        affine: affine(p, L.inChannels),
        weight: dict.take(`${p}.weight`, [L.outChannels, L.inChannels, L.convKernel, L.convKernel]),
        bias: dict.take(`${p}.bias`, [L.outChannels]),
        magnitudeEma: ema,
        upFilter: filter(`${p}.up_filter`, L.upTaps, false),
        downFilter: filter(`${p}.down_filter`, L.downTaps, L.downRadial),
      };
    }),
  };
}

/** The module records the official Generator of this architecture has (for {@link checkModules}). */
function expectedModules(arch: Architecture, weights: SynthesisWeights, mapping: ReturnType<typeof takeMappingWeights>): Map<string, ExpectedModule> {
  const s = arch.synthesis;
  const out = new Map<string, ExpectedModule>([
    ['', { className: 'Generator', attributes: { z_dim: arch.zDim, c_dim: arch.cDim, w_dim: arch.wDim, img_resolution: arch.resolution, img_channels: arch.imgChannels, num_ws: arch.numWs } }],
    ...mappingModules(arch.mapping, mapping),
    [
      'synthesis',
      {
        className: 'SynthesisNetwork',
        attributes: {
          w_dim: arch.wDim,
          num_ws: arch.numWs,
          img_resolution: arch.resolution,
          img_channels: arch.imgChannels,
          num_layers: s.num_layers,
          num_critical: s.num_critical,
          margin_size: s.margin_size,
          output_scale: s.output_scale,
          num_fp16_res: s.num_fp16_res,
        },
      },
    ],
    [
      'synthesis.input',
      {
        className: 'SynthesisInput',
        attributes: { w_dim: arch.wDim, channels: arch.input.channels, size: [arch.input.size, arch.input.size], sampling_rate: arch.input.samplingRate, bandwidth: arch.input.bandwidth },
      },
    ],
    ['synthesis.input.affine', denseModule(weights.inputAffine)],
  ]);
  arch.layers.forEach((L, i) => {
    out.set(`synthesis.${L.name}`, {
      className: 'SynthesisLayer',
      attributes: {
        w_dim: arch.wDim,
        is_torgb: L.isTorgb,
        is_critically_sampled: L.isCriticallySampled,
        use_fp16: L.useFp16,
        in_channels: L.inChannels,
        out_channels: L.outChannels,
        in_size: [L.inSize, L.inSize],
        out_size: [L.outSize, L.outSize],
        in_sampling_rate: L.inSamplingRate,
        out_sampling_rate: L.outSamplingRate,
        tmp_sampling_rate: L.tmpSamplingRate,
        in_cutoff: L.inCutoff,
        out_cutoff: L.outCutoff,
        in_half_width: L.inHalfWidth,
        out_half_width: L.outHalfWidth,
        conv_kernel: L.convKernel,
        conv_clamp: L.convClamp,
        up_factor: L.upFactor,
        up_taps: L.upTaps,
        down_factor: L.downFactor,
        down_taps: L.downTaps,
        down_radial: L.downRadial,
        padding: [...L.padding],
      },
    });
    out.set(`synthesis.${L.name}.affine`, denseModule(weights.layers[i]!.affine));
  });
  return out;
}

/** Rows [from, to) of a [rows, cols] matrix. */
function rows(data: Float32Array, cols: number, from: number, to: number): Float32Array {
  return data.slice(from * cols, to * cols);
}

/** Column `col` of a [rows, cols] matrix. */
function column(data: Float32Array, cols: number, col: number): Float32Array {
  return Float32Array.from({ length: data.length / cols }, (_, r) => data[r * cols + col]!);
}

/** Static shapes of the activations the graph builder walks through. */
interface Activation {
  readonly value: string;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/** Builds synthesis.onnx, one value at a time, mirroring networks_sg3.py's forward pass. */
class SynthesisGraph {
  readonly g = new GraphBuilder();

  private slice(x: string, axis: number, start: number, end: number, step = 1): string {
    const g = this.g;
    return g.op('Slice', [x, g.constInts([start]), g.constInts([end]), g.constInts([axis]), g.constInts([step])]);
  }

  /** Zero-pad (positive) or crop (negative) `lo` before and `hi` after along axis 2 or 3 of a 4-D value (_crop_pad). */
  private cropPad(x: string, axis: 2 | 3, lo: number, hi: number, size: number): [string, number] {
    const g = this.g;
    if (lo < 0 || hi < 0) {
      const start = Math.max(-lo, 0);
      const end = size - Math.max(-hi, 0);
      x = this.slice(x, axis, start, end);
      size = end - start;
    }
    if (lo > 0 || hi > 0) {
      const pads = [0, 0, 0, 0, 0, 0, 0, 0];
      pads[axis] = Math.max(lo, 0);
      pads[4 + axis] = Math.max(hi, 0);
      x = g.op('Pad', [x, g.constInts(pads)]);
      size += Math.max(lo, 0) + Math.max(hi, 0);
    }
    return [x, size];
  }

  /** networks.conv2d ({@link conv2dGraph}), with the output's static shape. */
  private conv(x: Activation, weight: Float32Array, outChannels: number, kernel: number, padding: number, hint: string): Activation {
    const y = conv2dGraph(this.g, x.value, weight, [outChannels, x.channels, kernel, kernel], padding, `${hint}.weight`);
    return { value: y, channels: outChannels, height: x.height + 2 * padding - kernel + 1, width: x.width + 2 * padding - kernel + 1 };
  }

  /** Single-channel (transposed) convolution over a [N·C, 1, H, W] value with a [kh, kw] kernel. */
  private fir(x: string, kernel: Float32Array, kh: number, kw: number, strides: [number, number], transposed: boolean, hint: string): string {
    const g = this.g;
    return g.op(transposed ? 'ConvTranspose' : 'Conv', [x, g.tensor(hint, [1, 1, kh, kw], kernel)], { strides: attr.ints(strides) });
  }

  /** The SynthesisInput: Fourier features of the transformed frequencies, then the 1×1 channel mixing. */
  input(arch: Architecture, weights: SynthesisWeights, ws: string, transformInput: boolean): Activation {
    const g = this.g;
    const { channels: C, size, samplingRate, bandwidth } = arch.input;
    const w0 = g.op('Gather', [ws, g.constInts([0], [])], { axis: attr.int(1) });
    const T = transformInput ? g.input(TRANSFORM_INPUT, [3, 3]) : g.tensor('synthesis.input.transform', [3, 3], weights.transform);
    let t = denseGraph(g, w0, weights.inputAffine, 'synthesis.input.affine'); // (r_c, r_s, t_x, t_y)
    const rs = this.slice(t, 1, 0, 2);
    const norm = g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [rs, rs]), g.constInts([1])], { keepdims: attr.int(1) })]);
    t = g.op('Div', [t, norm]);
    const [c, s, tx, ty] = [0, 1, 2, 3].map((k) => this.slice(t, 1, k, k + 1)) as [string, string, string, string];
    const [T0, T1, T2] = [0, 1, 2].map((k) => this.slice(T, 0, k, k + 1)) as [string, string, string];
    // Rows 0-1 of rot(c, s) @ translate(-t) @ T, element-wise (networks_sg3.SynthesisInput.forward).
    const p0 = g.op('Sub', [T0, g.op('Mul', [tx, T2])]);
    const p1 = g.op('Sub', [T1, g.op('Mul', [ty, T2])]);
    const m0 = g.op('Sub', [g.op('Mul', [c, p0]), g.op('Mul', [s, p1])]);
    const m1 = g.op('Add', [g.op('Mul', [s, p0]), g.op('Mul', [c, p1])]);
    const [m00, m01, m02] = [0, 1, 2].map((k) => this.slice(m0, 1, k, k + 1)) as [string, string, string];
    const [m10, m11, m12] = [0, 1, 2].map((k) => this.slice(m1, 1, k, k + 1)) as [string, string, string];
    const fx = g.tensor('synthesis.input.freqs_x', [1, C], column(weights.freqs, 2, 0));
    const fy = g.tensor('synthesis.input.freqs_y', [1, C], column(weights.freqs, 2, 1));
    const phases = g.op('Add', [g.op('Add', [g.tensor('synthesis.input.phases', [1, C], weights.phases), g.op('Mul', [fx, m02])]), g.op('Mul', [fy, m12])]);
    const freqX = g.op('Add', [g.op('Mul', [fx, m00]), g.op('Mul', [fy, m10])]);
    const freqY = g.op('Add', [g.op('Mul', [fx, m01]), g.op('Mul', [fy, m11])]);
    // Dampen the frequencies the user transform pushed out of band.
    const radius = g.op('Sqrt', [g.op('Add', [g.op('Mul', [freqX, freqX]), g.op('Mul', [freqY, freqY])])]);
    const excess = g.op('Div', [g.op('Sub', [radius, this.g.constFloat(bandwidth)]), this.g.constFloat(samplingRate / 2 - bandwidth)]);
    const amplitudes = g.op('Clip', [g.op('Sub', [this.g.constFloat(1), excess]), this.g.constFloat(0), this.g.constFloat(1)]);
    const perChannel = (v: string): string => g.op('Reshape', [v, g.constInts([-1, C, 1, 1])]);
    // Pixel-centre coordinates: the official affine_grid of a diagonal matrix, in closed form.
    const grid = Float32Array.from({ length: size }, (_, j) => (j + 0.5 - size / 2) / samplingRate);
    const gx = g.tensor('synthesis.input.grid_x', [1, 1, 1, size], grid);
    const gy = g.tensor('synthesis.input.grid_y', [1, 1, size, 1], grid);
    const arg = g.op('Add', [g.op('Add', [g.op('Mul', [gx, perChannel(freqX)]), g.op('Mul', [gy, perChannel(freqY)])]), perChannel(phases)]);
    const x = g.op('Mul', [this.sinCycles(arg), perChannel(amplitudes)]);
    const mixing = scaleF32(weights.inputWeight.data, 1 / Math.sqrt(C));
    return this.conv({ value: x, channels: C, height: size, width: size }, mixing, C, 1, 0, 'synthesis.input.weight');
  }

  /**
   * sin(2πx) in plain element-wise ops (networks_sg3.sin_cycles): reduce to [-½, ½) cycles, fold
   * onto [-¼, ¼], degree-11 Taylor polynomial. WebGPU's Sin is off by up to 2⁻¹¹.
   */
  private sinCycles(x: string): string {
    const g = this.g;
    const u = g.op('Sub', [x, g.op('Floor', [g.op('Add', [x, this.g.constFloat(0.5)])])]);
    const quarter = this.g.constFloat(0.25);
    const v = g.op('Mul', [g.op('Sign', [u]), g.op('Sub', [quarter, g.op('Abs', [g.op('Sub', [g.op('Abs', [u]), quarter])])])]);
    const t = g.op('Mul', [v, this.g.constFloat(2 * Math.PI)]);
    const t2 = g.op('Mul', [t, t]);
    let p = g.op('Mul', [t2, this.g.constFloat(-1 / 39916800)]);
    const coefficients = [1 / 362880, -1 / 5040, 1 / 120, -1 / 6, 1];
    coefficients.forEach((coef, i) => {
      p = g.op('Add', [p, this.g.constFloat(coef)]);
      if (i < coefficients.length - 1) p = g.op('Mul', [p, t2]);
    });
    return g.op('Mul', [t, p]);
  }

  /** One SynthesisLayer: modulated conv, then filtered_lrelu. */
  layer(L: LayerSpec, weights: LayerWeights, x: Activation, w: string): Activation {
    const g = this.g;
    const p = `synthesis.${L.name}`;
    let styles = denseGraph(g, w, weights.affine, `${p}.affine`);
    if (L.isTorgb) styles = g.op('Mul', [styles, this.g.constFloat(1 / Math.sqrt(L.inChannels * L.convKernel ** 2))]);
    // The input gain scales the activations with the styles but stays out of the demodulation.
    const inputGain = Math.fround(1 / Math.sqrt(weights.magnitudeEma));
    const scale = g.op('Reshape', [g.op('Mul', [styles, this.g.constFloat(inputGain)]), g.constInts([-1, L.inChannels, 1, 1])]);
    let y = this.conv({ ...x, value: g.op('Mul', [x.value, scale]) }, weights.weight.data, L.outChannels, L.convKernel, L.convKernel - 1, `${p}.conv`);
    if (!L.isTorgb) {
      // The demodulation is one MatMul of squared styles with Σ_k w² as [in, out].
      const demod = demodMatrix(weights.weight.data, L.outChannels, L.inChannels, L.convKernel ** 2);
      const sumSq = g.op('MatMul', [g.op('Mul', [styles, styles]), g.tensor(`${p}.demod`, [L.inChannels, L.outChannels], demod)]);
      const dcoefs = rsqrt(g, g.op('Add', [sumSq, this.g.constFloat(1e-8)]));
      y = { ...y, value: g.op('Mul', [y.value, g.op('Reshape', [dcoefs, g.constInts([-1, L.outChannels, 1, 1])])]) };
    }
    return this.filteredLrelu(L, weights, y);
  }

  /** filtered_lrelu's reference definition: bias, upfirdn2d up, leaky ReLU × gain, clamp, upfirdn2d down. */
  private filteredLrelu(L: LayerSpec, weights: LayerWeights, x: Activation): Activation {
    const g = this.g;
    const p = `synthesis.${L.name}`;
    const biased = g.op('Add', [x.value, g.tensor(`${p}.bias`, [1, L.outChannels, 1, 1], weights.bias.data)]);
    // Every FIR step works per channel: one [N·C, 1, H, W] view for the whole resampling chain.
    let v = g.op('Reshape', [biased, g.constInts([-1, 1, x.height, x.width])]);
    let h = x.height;
    let w = x.width;
    const [px0, px1, py0, py1] = L.padding;
    const up = L.upFactor;
    const fu = weights.upFilter;
    if (fu === null) {
      [v, w] = this.cropPad(v, 3, px0, px1, w);
      [v, h] = this.cropPad(v, 2, py0, py1, h);
    } else {
      const T = fu.shape[0]!;
      // Output o of upfirdn2d is output o + T − 1 − p0 of the transposed convolution.
      const finish = (value: string, axis: 2 | 3, size: number, p0: number, p1: number, got: number): [string, number] => {
        const skip = T - 1 - p0;
        const out = size * up + p0 + p1 - T + 1;
        return this.cropPad(value, axis, -skip, out + skip - got, got);
      };
      if (fu.shape.length === 1) {
        const k = scaleF32(fu.data, Math.sqrt(up * up));
        v = this.fir(v, k, 1, T, [1, up], true, `${p}.up_x`);
        [v, w] = finish(v, 3, w, px0, px1, (w - 1) * up + T);
        v = this.fir(v, k, T, 1, [up, 1], true, `${p}.up_y`);
        [v, h] = finish(v, 2, h, py0, py1, (h - 1) * up + T);
      } else {
        v = this.fir(v, scaleF32(fu.data, up * up), T, T, [up, up], true, `${p}.up`);
        const gotH = (h - 1) * up + T;
        [v, w] = finish(v, 3, w, px0, px1, (w - 1) * up + T);
        [v, h] = finish(v, 2, h, py0, py1, gotH);
      }
    }
    v = L.isTorgb ? activate(g, v, 'linear', 1, L.convClamp) : activate(g, v, 'lrelu', Math.SQRT2, L.convClamp);
    const down = L.downFactor;
    const fd = weights.downFilter;
    if (fd === null) {
      if (down > 1) {
        v = g.op('Slice', [v, g.constInts([0, 0]), g.constInts([h, w]), g.constInts([2, 3]), g.constInts([down, down])]);
        h = Math.ceil(h / down);
        w = Math.ceil(w / down);
      }
    } else {
      // upfirdn2d convolves; Conv correlates: the flipped filter.
      const T = fd.shape[0]!;
      if (fd.shape.length === 1) {
        const k = fd.data.slice().reverse();
        v = this.fir(v, k, 1, T, [1, down], false, `${p}.down_x`);
        v = this.fir(v, k, T, 1, [down, 1], false, `${p}.down_y`);
      } else {
        v = this.fir(v, fd.data.slice().reverse(), T, T, [down, down], false, `${p}.down`);
      }
      h = Math.floor((h - T) / down) + 1;
      w = Math.floor((w - T) / down) + 1;
    }
    if (h !== L.outSize || w !== L.outSize) {
      throw new CheckpointError(`layer ${L.name} would produce ${h}×${w} pixels instead of ${L.outSize}×${L.outSize}: this StyleGAN3 configuration is outside what the converter handles. ${FALLBACK}`);
    }
    return { value: g.op('Reshape', [v, g.constInts([-1, L.outChannels, h, w])]), channels: L.outChannels, height: h, width: w };
  }
}

/** style_affine.npz (export_stylegan.style_affine_arrays): per layer the run-time affine weight [in_channels, w_dim] × style gain, and `<layer>.bias`. */
function styleAffine(arch: Architecture, weights: SynthesisWeights): { arrays: Record<string, FloatArray>; layers: { name: string; ws_index: number; channels: number }[] } {
  const arrays: Record<string, FloatArray> = {};
  const layers = arch.layers.map((L, i) => {
    const gain = L.isTorgb ? 1 / Math.sqrt(L.inChannels * L.convKernel ** 2) : 1;
    const { weight, bias } = effectiveDense(weights.layers[i]!.affine);
    arrays[L.name] = { data: scaleF32(weight, gain), shape: [L.inChannels, arch.wDim] };
    arrays[`${L.name}.bias`] = { data: scaleF32(bias, gain), shape: [L.inChannels] };
    return { name: L.name, ws_index: i + 1, channels: L.inChannels };
  });
  return { arrays, layers };
}

/**
 * Convert a stored `networks_stylegan3.Generator` (its G_ema) to a model package: mapping.onnx,
 * synthesis.onnx (with a `transform` [3, 3] input when `options.transformInput`), style_affine.npz
 * and the manifest export_stylegan.py writes (its `files` left to the package writer).
 * @throws CheckpointError when the snapshot is not a StyleGAN3 generator this converter can rebuild exactly
 * @throws ConversionCancelled when `options.cancelled()` says so
 */
export async function convertStyleGan3(snapshot: NetworkSnapshot, options: ConvertOptions = {}): Promise<ConvertedPackage> {
  const dict = new CheckedStateDict(snapshot, 'a stylegan3 (networks_stylegan3) Generator', FALLBACK);
  if (snapshot.className !== 'Generator') throw dict.refuse(`its network is a ${snapshot.className}`);
  if (!dict.has('synthesis.input.freqs')) throw dict.refuse('it has no Fourier-feature input (synthesis.input.freqs); StyleGAN2 networks go through the StyleGAN2 converter');
  if (options.noiseInputs) throw new CheckpointError('StyleGAN3 has no noise inputs: convert without the noise-inputs option.');
  const step = async (fraction: number): Promise<void> => {
    if (options.cancelled?.()) throw new ConversionCancelled();
    options.onProgress?.(fraction);
    await Promise.resolve();
  };
  const arch = architecture(snapshot, dict);
  const mapping = takeMappingWeights(dict, arch.mapping);
  const synthesis = takeSynthesisWeights(dict, arch);
  dict.assertAllUsed();
  checkModules(snapshot, expectedModules(arch, synthesis, mapping), dict);
  const transformInput = options.transformInput ?? false;
  const steps = arch.layers.length + 3;
  await step(0);

  const mappingOnnx = buildMappingGraph(arch.mapping, mapping, PRODUCER);
  await step(1 / steps);
  const graph = new SynthesisGraph();
  const g = graph.g;
  const ws = g.input('ws', ['batch', arch.numWs, arch.wDim]);
  let x = graph.input(arch, synthesis, ws, transformInput);
  for (const [i, L] of arch.layers.entries()) {
    await step((i + 2) / steps);
    const w = g.op('Gather', [ws, g.constInts([i + 1], [])], { axis: attr.int(1) });
    x = graph.layer(L, synthesis.layers[i]!, x, w);
  }
  let img = x.value;
  if (arch.synthesis.output_scale !== 1) img = g.op('Mul', [img, g.constFloat(arch.synthesis.output_scale)]);
  g.output(img, 'img', ['batch', arch.imgChannels, arch.resolution, arch.resolution]);
  const synthesisOnnx = g.finish({ opset: 17, producer: PRODUCER });
  await step((steps - 1) / steps);

  const affine = styleAffine(arch, synthesis);
  const id = options.id ?? 'stylegan3';
  const manifest = styleGanManifest({
    id,
    name: options.name ?? id,
    attribution: options.name ?? id,
    resolution: arch.resolution,
    imgChannels: arch.imgChannels,
    mapping: arch.mapping,
    wAvg: mapping.wAvg,
    wsResolutions: [Math.trunc(arch.input.samplingRate), ...arch.layers.map((L) => L.outSamplingRate)],
    synthesisInputs: transformInput ? ['ws', TRANSFORM_INPUT] : ['ws'],
    sideFiles: { style_affine: 'style_affine.npz' },
    ...(transformInput ? { inputs: { transform_input: { name: TRANSFORM_INPUT, default: [0, 1, 2].map((r) => Array.from(rows(synthesis.transform, 3, r, r + 1))) } } } : {}),
    generator: {
      source: SOURCE,
      architecture: ARCHITECTURE,
      initKwargs: arch.initKwargs,
      exporter: EXPORTER,
      styleAffineLayers: affine.layers,
      more: { pickle_init_kwargs: snapshot.initKwargs },
    },
  });
  const files = new Map<string, Uint8Array>([
    ['mapping.onnx', mappingOnnx],
    ['synthesis.onnx', synthesisOnnx],
    ['style_affine.npz', writeNpz(affine.arrays)],
  ]);
  await step(1);
  return { manifest, files };
}
