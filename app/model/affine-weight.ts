/**
 * A style-affine (or first-layer) weight matrix as read from a package: the model's data, which
 * the ONNX reader (onnx-first-layer.ts) produces and SeFa (app/latent/sefa.ts) factorises. It
 * lives here so that latent math depends on the model folder and never the other way round.
 */

/** One layer's affine weight: `rows` output channels × `cols` latent dims, row-major. */
export interface AffineWeight {
  name: string;
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}
