/**
 * The StyleGAN mapping network (z[, c] → ws) as an ONNX graph, the forward pass of
 * `models/tools/stylegan/networks.py` MappingNetwork exported at ψ = 1 (the studio truncates in
 * TypeScript): normalise z by its second moment, embed and normalise c, the equalised-lr dense
 * layers, then the same w for every ws row. StyleGAN2 and StyleGAN3 share it: NVIDIA's StyleGAN3
 * MappingNetwork is the StyleGAN2 one with other defaults (2 layers and w_avg_beta 0.998 instead
 * of 8 and 0.995) and fewer arguments (embedding and hidden widths fixed at w_dim, activation
 * fixed at lrelu), which {@link MappingSpec} spells out per network. The dense layer is also what
 * every synthesis layer's style affine is.
 */
import { attr, GraphBuilder } from '../graph/builder';
import type { CheckedStateDict, ExpectedModule } from './state-dict';
import type { StoredTensor } from './snapshot';

/** bias_act's activations (networks.py _ACTIVATIONS): the ONNX ops and the default gain. */
export const ACTIVATIONS = {
  linear: { gain: 1, apply: (_g: GraphBuilder, x: string): string => x },
  relu: { gain: Math.SQRT2, apply: (g: GraphBuilder, x: string): string => g.op('Relu', [x]) },
  lrelu: { gain: Math.SQRT2, apply: (g: GraphBuilder, x: string): string => g.op('LeakyRelu', [x], { alpha: attr.float(0.2) }) },
  tanh: { gain: 1, apply: (g: GraphBuilder, x: string): string => g.op('Tanh', [x]) },
  sigmoid: { gain: 1, apply: (g: GraphBuilder, x: string): string => g.op('Sigmoid', [x]) },
  elu: { gain: 1, apply: (g: GraphBuilder, x: string): string => g.op('Elu', [x]) },
  selu: { gain: 1, apply: (g: GraphBuilder, x: string): string => g.op('Selu', [x]) },
  softplus: { gain: 1, apply: (g: GraphBuilder, x: string): string => g.op('Softplus', [x]) },
  swish: { gain: Math.SQRT2, apply: (g: GraphBuilder, x: string): string => g.op('Mul', [g.op('Sigmoid', [x]), x]) },
} as const;

/** A bias_act activation name. */
export type Activation = keyof typeof ACTIVATIONS;

/** Whether `name` is one of bias_act's activations. */
export function isActivation(name: unknown): name is Activation {
  return typeof name === 'string' && Object.hasOwn(ACTIVATIONS, name);
}

/** bias_act after the bias: the activation, its gain, then the clamp when one is set (the official order). */
export function activate(g: GraphBuilder, x: string, activation: Activation, gain: number, clamp: number | null): string {
  let y = ACTIVATIONS[activation].apply(g, x);
  if (gain !== 1) y = g.op('Mul', [y, g.constFloat(gain)]);
  if (clamp !== null && clamp >= 0) y = g.op('Clip', [y, g.constFloat(-clamp), g.constFloat(clamp)]);
  return y;
}

/** `data × s` rounded to float32 as PyTorch computes a float32 tensor times a Python float. */
export function scaleF32(data: Float32Array, s: number): Float32Array {
  const k = Math.fround(s);
  return data.map((v) => v * k);
}

/** A row-major [rows, cols] matrix transposed to [cols, rows]. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** An equalised-lr dense layer as stored: weight [out, in] at N(0, 1/lr²), scaled by lr/√in at run time. */
export interface DenseLayer {
  readonly weight: StoredTensor;
  readonly bias: StoredTensor;
  readonly lrMultiplier: number;
  readonly activation: Activation;
}

/** The layer's run-time weight [out, in] and bias (FullyConnectedLayer.effective_weight / effective_bias). */
export function effectiveDense(layer: DenseLayer): { weight: Float32Array; bias: Float32Array } {
  const [, inFeatures] = layer.weight.shape as [number, number];
  return {
    weight: scaleF32(layer.weight.data, layer.lrMultiplier / Math.sqrt(inFeatures)),
    bias: layer.lrMultiplier !== 1 ? scaleF32(layer.bias.data, layer.lrMultiplier) : layer.bias.data,
  };
}

/** `x [N, in] → [N, out]`: MatMul with the effective weight, bias, then the activation with its default gain. */
export function denseGraph(g: GraphBuilder, x: string, layer: DenseLayer, hint: string): string {
  const [outFeatures, inFeatures] = layer.weight.shape as [number, number];
  const { weight, bias } = effectiveDense(layer);
  const y = g.op('Add', [g.op('MatMul', [x, g.tensor(`${hint}.weight`, [inFeatures, outFeatures], transpose(weight, outFeatures, inFeatures))]), g.floats(`${hint}.bias`, bias)]);
  return activate(g, y, layer.activation, ACTIVATIONS[layer.activation].gain, null);
}

/** The module record a FullyConnectedLayer of this shape and gain keeps (for {@link checkModules}). */
export function denseModule(layer: DenseLayer): ExpectedModule {
  const [outFeatures, inFeatures] = layer.weight.shape as [number, number];
  return {
    className: 'FullyConnectedLayer',
    attributes: {
      in_features: inFeatures,
      out_features: outFeatures,
      activation: layer.activation,
      weight_gain: layer.lrMultiplier / Math.sqrt(inFeatures),
      bias_gain: layer.lrMultiplier,
    },
  };
}

/** `x · (mean(x², dim 1) + 1e-8)^-½` (normalize_2nd_moment). */
export function normalize2ndMoment(g: GraphBuilder, x: string): string {
  const ms = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: attr.ints([1]), keepdims: attr.int(1) });
  return g.op('Mul', [x, rsqrt(g, g.op('Add', [ms, g.constFloat(1e-8)]))]);
}

/** `1 / √x`, as PyTorch exports `rsqrt` (so the rounding matches the Python path's graphs). */
export function rsqrt(g: GraphBuilder, x: string): string {
  return g.op('Div', [g.constFloat(1), g.op('Sqrt', [x])]);
}

/** What the mapping network needs to know beyond its tensors. */
export interface MappingSpec {
  readonly zDim: number;
  readonly cDim: number;
  readonly wDim: number;
  readonly numWs: number;
  readonly numLayers: number;
  readonly lrMultiplier: number;
  /** Width of the class embedding (w_dim unless configured; 0 without classes). */
  readonly embedFeatures: number;
  /** Width of the hidden layers (w_dim unless configured). */
  readonly layerFeatures: number;
  /** The hidden layers' activation (StyleGAN2's is configurable; StyleGAN3's is lrelu). */
  readonly activation: Activation;
}

/** The mapping network's dense layers, taken from `dict` with their shapes checked. */
export interface MappingWeights {
  readonly embed: DenseLayer | null;
  readonly fc: readonly DenseLayer[];
  readonly wAvg: Float32Array;
}

/** Take the mapping tensors (`mapping.embed.*`, `mapping.fc<i>.*`, `mapping.w_avg`) for `spec`. */
export function takeMappingWeights(dict: CheckedStateDict, spec: MappingSpec): MappingWeights {
  const dense = (name: string, out: number, inF: number, lrMultiplier: number, activation: DenseLayer['activation']): DenseLayer => ({
    weight: dict.take(`mapping.${name}.weight`, [out, inF]),
    bias: dict.take(`mapping.${name}.bias`, [out]),
    lrMultiplier,
    activation,
  });
  const embed = spec.cDim > 0 ? dense('embed', spec.embedFeatures, spec.cDim, 1, 'linear') : null;
  const features = [spec.zDim + (spec.cDim > 0 ? spec.embedFeatures : 0), ...Array<number>(spec.numLayers - 1).fill(spec.layerFeatures), spec.wDim];
  const fc = Array.from({ length: spec.numLayers }, (_, i) => dense(`fc${i}`, features[i + 1]!, features[i]!, spec.lrMultiplier, spec.activation));
  return { embed, fc, wAvg: dict.take('mapping.w_avg', [spec.wDim]).data };
}

/** The module records of the mapping network (for {@link checkModules}), keyed by path. */
export function mappingModules(spec: MappingSpec, weights: MappingWeights): Map<string, ExpectedModule> {
  const out = new Map<string, ExpectedModule>([
    ['mapping', { className: 'MappingNetwork', attributes: { z_dim: spec.zDim, c_dim: spec.cDim, w_dim: spec.wDim, num_ws: spec.numWs, num_layers: spec.numLayers } }],
  ]);
  if (weights.embed) out.set('mapping.embed', denseModule(weights.embed));
  weights.fc.forEach((layer, i) => out.set(`mapping.fc${i}`, denseModule(layer)));
  return out;
}

/**
 * mapping.onnx: inputs `z` [batch, z_dim] (and `c` [batch, c_dim] when conditional), output `ws`
 * [batch, num_ws, w_dim], the rows repeated by a Tile as PyTorch exports `repeat`.
 */
export function buildMappingGraph(spec: MappingSpec, weights: MappingWeights, producer?: string): Uint8Array {
  const g = new GraphBuilder();
  let x = normalize2ndMoment(g, g.input('z', ['batch', spec.zDim]));
  if (weights.embed) {
    const c = g.input('c', ['batch', spec.cDim]);
    const y = normalize2ndMoment(g, denseGraph(g, c, weights.embed, 'mapping.embed'));
    x = g.op('Concat', [x, y], { axis: attr.int(1) });
  }
  weights.fc.forEach((layer, i) => {
    x = denseGraph(g, x, layer, `mapping.fc${i}`);
  });
  const ws = g.op('Tile', [g.op('Unsqueeze', [x, g.constInts([1])]), g.constInts([1, spec.numWs, 1])]);
  g.output(ws, 'ws', ['batch', spec.numWs, spec.wDim]);
  return g.finish({ opset: 17, producer });
}
