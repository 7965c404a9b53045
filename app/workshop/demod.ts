/**
 * StyleGAN2's demodulation matrix, the one tensor of an exported synthesis graph that is not linear
 * in the weights: both exporters store `D[i, o] = Σₖ w[o, i, k]²` of every modulated conv beside its
 * weight (torch's exporter as a Constant node, the studio's converter as `<layer>.demod`), so a
 * blend must compute it again from the blended weight rather than average it.
 */
import type { Initializer } from './onnx-weights';

/** How a 4-D weight is laid out: [out, in, k, k] for Conv, [in, out, k, k] for the upsampling ConvTranspose. */
export type WeightLayout = 'oikk' | 'iokk';

/** `D[i, o] = Σₖ w²` of the 4-D weight `w` with dims `dims` in `layout`, as [in, out]. */
export function demodOf(w: Float32Array, dims: readonly number[], layout: WeightLayout): Float32Array {
  const [d0, d1, kh, kw] = dims as [number, number, number, number];
  const [outs, ins] = layout === 'oikk' ? [d0, d1] : [d1, d0];
  const k2 = kh * kw;
  const out = new Float32Array(ins * outs);
  for (let a = 0; a < d0; a++) {
    for (let b = 0; b < d1; b++) {
      let sum = 0;
      for (let k = (a * d1 + b) * k2, end = k + k2; k < end; k++) sum += w[k]! * w[k]!;
      const [i, o] = layout === 'oikk' ? [b, a] : [a, b];
      out[i * outs + o] = sum;
    }
  }
  return out;
}

/** The modulated layer a tensor belongs to (`b16.conv0`), from its name or the nodes that read it; null when none or several. */
export function layerOf(tensor: Pick<Initializer, 'name' | 'consumers'>): string | null {
  const layers = new Set<string>();
  for (const text of [tensor.name, ...tensor.consumers]) {
    const m = /(?:^|[./])b(\d+)[./](conv[01])(?:[./]|$)/.exec(text);
    if (m) layers.add(`b${m[1]}.${m[2]}`);
  }
  return layers.size === 1 ? [...layers][0]! : null;
}

/**
 * The layout in which `weight` gives `demod` (within 1e-4 of demod's largest value), or null when
 * `demod` is no demodulation matrix of it.
 */
export function demodLayout(demod: Float32Array, demodDims: readonly number[], weight: Float32Array, weightDims: readonly number[]): WeightLayout | null {
  if (demodDims.length !== 2 || weightDims.length !== 4) return null;
  const scale = demod.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  for (const layout of ['oikk', 'iokk'] as const) {
    const [ins, outs] = layout === 'oikk' ? [weightDims[1], weightDims[0]] : [weightDims[0], weightDims[1]];
    if (demodDims[0] !== ins || demodDims[1] !== outs) continue;
    const d = demodOf(weight, weightDims, layout);
    if (d.every((v, i) => Math.abs(v - demod[i]!) <= 1e-4 * scale)) return layout;
  }
  return null;
}
