/**
 * The two scores of the inversion table (docs/INVERSION.md), defined exactly as
 * models/tools/inversion.py defines them for the Python rows, so the studio's figures and
 * project.py's sit in one table: PSNR over all RGB values of two 8-bit pictures, and SSIM
 * (Wang et al. 2004) with an 11×11 Gaussian window (σ = 1.5), K1 = 0.01, K2 = 0.03, L = 255, over
 * 'valid' windows only, per channel, averaged over channels and windows.
 */

/** An 8-bit RGB(A) picture. */
export interface Pixels {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA, alpha ignored). */
  channels: 3 | 4;
  data: ArrayLike<number>;
}

function checkPair(a: Pixels, b: Pixels): void {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError(`cannot compare a ${a.width}×${a.height} picture with a ${b.width}×${b.height} one`);
}

/** PSNR in dB on the [0, 255] scale over every R, G and B value (∞ for identical pictures). */
export function psnr(a: Pixels, b: Pixels): number {
  checkPair(a, b);
  let se = 0;
  const count = a.width * a.height;
  for (let p = 0; p < count; p++) {
    for (let c = 0; c < 3; c++) {
      const d = a.data[p * a.channels + c]! - b.data[p * b.channels + c]!;
      se += d * d;
    }
  }
  const mse = se / (3 * count);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

const RADIUS = 5;
const WINDOW = (() => {
  const g = Array.from({ length: 2 * RADIUS + 1 }, (_, i) => Math.exp(-((i - RADIUS) ** 2) / (2 * 1.5 ** 2)));
  const sum = g.reduce((s, v) => s + v, 0);
  return g.map((v) => v / sum);
})();

/** SSIM as the module comment defines it (pictures at least 11×11). */
export function ssim(a: Pixels, b: Pixels): number {
  checkPair(a, b);
  const { width, height } = a;
  if (width < 2 * RADIUS + 1 || height < 2 * RADIUS + 1) throw new RangeError(`SSIM needs pictures of at least 11×11, got ${width}×${height}`);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let total = 0;
  let windows = 0;
  for (let c = 0; c < 3; c++) {
    const at = (img: Pixels, x: number, y: number) => img.data[(y * width + x) * img.channels + c]!;
    for (let y0 = 0; y0 + 2 * RADIUS < height; y0++) {
      for (let x0 = 0; x0 + 2 * RADIUS < width; x0++) {
        let mx = 0;
        let my = 0;
        let xx = 0;
        let yy = 0;
        let xy = 0;
        for (let dy = 0; dy <= 2 * RADIUS; dy++) {
          for (let dx = 0; dx <= 2 * RADIUS; dx++) {
            const w = WINDOW[dy]! * WINDOW[dx]!;
            const x = at(a, x0 + dx, y0 + dy);
            const v = at(b, x0 + dx, y0 + dy);
            mx += w * x;
            my += w * v;
            xx += w * x * x;
            yy += w * v * v;
            xy += w * x * v;
          }
        }
        const vx = xx - mx * mx;
        const vy = yy - my * my;
        const cov = xy - mx * my;
        total += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        windows += 1;
      }
    }
  }
  return total / windows;
}
