/**
 * The convolution pieces of a modulated convolution that the StyleGAN2 and StyleGAN3 converters
 * both build, as `models/tools/stylegan/networks.py` exports them: a plain Conv whose input
 * channels are padded to a multiple of 4 (conv2d), and the [in, out] matrix of squared-weight
 * sums that turns the squared styles into demodulation coefficients with one MatMul
 * (_demod_matrix). Both converters mirror those Python helpers, so they share one copy here.
 */
import { attr, type GraphBuilder } from '../graph/builder';

/**
 * networks.conv2d: `x` [N, in, H, W] convolved with `weight` [out, in, kh, kw] (row-major), with
 * `padding` on every side. The input channels are padded with zeros to a multiple of 4 (WebGPU's
 * Conv computes wrong values for some other counts; the zeros change nothing).
 * @param hint the weight initializer's name
 */
export function conv2dGraph(g: GraphBuilder, x: string, weight: Float32Array, dims: readonly [number, number, number, number], padding: number, hint: string): string {
  const [o, i, kh, kw] = dims;
  const extra = (4 - (i % 4)) % 4;
  let w = weight;
  if (extra > 0) {
    const per = i * kh * kw;
    w = new Float32Array(o * (i + extra) * kh * kw);
    for (let oc = 0; oc < o; oc++) w.set(weight.subarray(oc * per, (oc + 1) * per), oc * (i + extra) * kh * kw);
    x = g.op('Pad', [x, g.constInts([0, 0, 0, 0, 0, extra, 0, 0])]);
  }
  return g.op('Conv', [x, g.tensor(hint, [o, i + extra, kh, kw], w)], { pads: attr.ints([padding, padding, padding, padding]) });
}

/** Σ over the kernel of w² for `weight` [out, in, kh, kw], as an [in, out] matrix summed in float64 (networks._demod_matrix). */
export function demodMatrix(weight: Float32Array, outChannels: number, inChannels: number, kernelArea: number): Float32Array {
  const demod = new Float32Array(inChannels * outChannels);
  for (let o = 0; o < outChannels; o++) {
    for (let i = 0; i < inChannels; i++) {
      let sum = 0;
      const base = (o * inChannels + i) * kernelArea;
      for (let k = 0; k < kernelArea; k++) sum += weight[base + k]! * weight[base + k]!;
      demod[i * outChannels + o] = sum;
    }
  }
  return demod;
}
