#!/usr/bin/python3
"""Exact projection of a picture into a StyleGAN generator's latent space, by gradient descent as
NVIDIA's projector.py does, for users who have Python (the studio's own refinement needs none).

Schedule (NVIDIA's): start at w_avg (mean of 10,000 mapped z from RandomState(123)), or at the
encoder's guess with --encoder; Adam (betas 0.9, 0.999) on one w row with the learning rate ramped
up over the first 5 % of the steps and down along a cosine over the last 25 %; Gaussian noise on w
of w_std x 0.05, falling quadratically to zero at 75 % of the steps. Then, with --w-plus, the same
schedule again on every ws row separately (W+ fine-tuning, --w-plus-steps, --w-plus-lr).

Loss: with --vgg FILE (NVIDIA's vgg16.pt, a TorchScript feature network; never downloaded) the
squared distance of its LPIPS features, as NVIDIA does. Without it, a pixel + multi-scale loss:
MSE over an image pyramid (full, 1/2, 1/4, 1/8 resolution) plus (1 - SSIM) at --ssim-weight; the
script says so when it starts.

Noise: the studio renders a projected w with the package's stored const noise, so by default the
noise stays const. --optimize-noise does what NVIDIA's projector does instead: the noise maps start
random and are optimised with its regularisation (autocorrelation at every scale down to 8 px,
weight 1e5) and renormalised after each step; they are written to projected_noise.npz under the
package's noise input names, since projected_w.npz alone draws the picture only with them.
StyleGAN3 has no noise.

Writes into --outdir: projected_w.npz (`w`: float32 [1, num_ws, w_dim], as NVIDIA's; rows equal
without --w-plus), proj.png (the projection, const noise unless --optimize-noise), target.png, and
proj.mp4 (target | projection per step, with ffmpeg on PATH; else proj_frames/NNNN.png, saying so).

  /usr/bin/python3 models/tools/project.py --checkpoint models/tools/checkpoints/emoji-stylegan.pt \\
      --target cat.png --outdir out/cat [--encoder models/emoji-stylegan/encoder.onnx] [--w-plus]
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli  # noqa: E402

cli.require('torch', 'numpy', 'scipy')
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from inversion import add_generator_arguments, gaussian_window, load_generator_from_args, read_target, to_uint8  # noqa: E402
from pngio import write_png  # noqa: E402

NOISE_REG_WEIGHT = 1e5


def w_stats(G, samples=10000):
    """NVIDIA's W midpoint [1, 1, w_dim] and scalar spread from RandomState(123) z."""
    z = torch.from_numpy(np.random.RandomState(123).randn(samples, G.z_dim)).float()
    with torch.no_grad():
        w = G.mapping(z, torch.zeros(samples, G.c_dim))[:, :1, :]
    w_avg = w.mean(0, keepdim=True)
    w_std = float(((w - w_avg).square().sum() / samples) ** 0.5)
    return w_avg, w_std


class PyramidLoss:
    """Pixel + multi-scale loss on [-1, 1] pictures: per-sample sum over pyramid levels of the MSE,
    plus (1 - SSIM) x ssim_weight at full resolution (11x11 Gaussian window, per channel)."""

    def __init__(self, target, ssim_weight=1.0, levels=4):
        self.target, self.ssim_weight, self.levels = target, ssim_weight, levels
        self.window = torch.from_numpy(gaussian_window()).float()[None, None].repeat(target.shape[1], 1, 1, 1)

    def ssim(self, a, b):
        c = a.shape[1]
        f = lambda v: F.conv2d(v, self.window, groups=c)  # noqa: E731
        a, b = (a + 1) * 127.5, (b + 1) * 127.5
        c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
        ma, mb = f(a), f(b)
        saa, sbb, sab = f(a * a) - ma * ma, f(b * b) - mb * mb, f(a * b) - ma * mb
        m = ((2 * ma * mb + c1) * (2 * sab + c2)) / ((ma * ma + mb * mb + c1) * (saa + sbb + c2))
        return m.mean(dim=(1, 2, 3))

    def __call__(self, img):
        loss, a, b = 0, img, self.target
        for level in range(self.levels):
            loss = loss + (a - b).square().mean(dim=(1, 2, 3))
            if level + 1 < self.levels and a.shape[-1] >= 16:
                a, b = F.avg_pool2d(a, 2), F.avg_pool2d(b, 2)
        if self.ssim_weight > 0 and img.shape[-1] >= 11:
            loss = loss + self.ssim_weight * (1 - self.ssim(img, self.target))
        return loss


class VggLoss:
    """NVIDIA's loss: squared distance of vgg16.pt LPIPS features of [0, 255] pictures (<= 256 px)."""

    def __init__(self, path, target):
        self.net = torch.jit.load(path).eval()
        self.target = self.features(target).detach()

    def features(self, img):
        x = (img + 1) * 127.5
        if x.shape[2] > 256:
            x = F.interpolate(x, size=(256, 256), mode='area')
        return self.net(x, resize_images=False, return_lpips=True)

    def __call__(self, img):
        return (self.features(img) - self.target).square().sum(dim=1)


def noise_regularisation(bufs):
    reg = 0.0
    for v in bufs:
        noise = v[None, None]
        while True:
            reg = reg + (noise * torch.roll(noise, shifts=1, dims=3)).mean() ** 2
            reg = reg + (noise * torch.roll(noise, shifts=1, dims=2)).mean() ** 2
            if noise.shape[2] <= 8:
                break
            noise = F.avg_pool2d(noise, kernel_size=2)
    return reg


def noise_layers(G):
    """(name, layer) of the synthesis layers with noise (none for StyleGAN3)."""
    layers = getattr(G.synthesis, 'noise_layers', None)
    return layers() if layers else []


def schedule(t, lr, lr_rampdown=0.25, lr_rampup=0.05):
    ramp = min(1.0, (1.0 - t) / lr_rampdown)
    ramp = 0.5 - 0.5 * np.cos(ramp * np.pi)
    return lr * ramp * min(1.0, t / lr_rampup)


def optimise(G, loss_fn, w_init, steps, lr, w_std, noise_bufs, on_step, noise_factor=0.05, noise_ramp=0.75):
    """Adam on w_init ([N, rows, w_dim]; rows 1 = W, broadcast to every ws row) under NVIDIA's
    schedule. Calls on_step(step, ws, loss per sample). Returns the final ws [N, num_ws, w_dim]."""
    w_opt = w_init.clone().requires_grad_(True)
    opt = torch.optim.Adam([w_opt] + noise_bufs, betas=(0.9, 0.999), lr=lr)
    for step in range(steps):
        t = step / steps
        for group in opt.param_groups:
            group['lr'] = schedule(t, lr)
        scale = w_std * noise_factor * max(0.0, 1.0 - t / noise_ramp) ** 2
        ws = (w_opt + torch.randn_like(w_opt) * scale).expand(-1, G.num_ws, -1)
        per_sample = loss_fn(G.synthesis(ws, noise_mode='const'))
        loss = per_sample.sum()
        if noise_bufs:
            loss = loss + NOISE_REG_WEIGHT * noise_regularisation(noise_bufs)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for buf in noise_bufs:
                buf -= buf.mean()
                buf *= buf.square().mean().rsqrt()
        on_step(step, w_opt.detach().expand(-1, G.num_ws, -1), per_sample.detach())
    return w_opt.detach().expand(-1, G.num_ws, -1).clone()


def encoder_guess(path, target):
    """The ws an encoder.onnx gives for `target`, run by onnxruntime-web in Node (the studio's runtime)."""
    import json
    import tempfile
    tmp = tempfile.mkdtemp(prefix='latent-studio-encode-')
    try:
        src = os.path.join(tmp, 'img.json')
        with open(src, 'w') as fh:
            json.dump(dict(dims=list(target.shape), data=target.flatten().tolist()), fh)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'run_encoder.mjs')
        repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        try:
            res = subprocess.run(['node', script, path, src], cwd=repo, capture_output=True, text=True)
        except FileNotFoundError as error:
            raise cli.InputError('node is not on PATH: --encoder runs the encoder with onnxruntime-web in Node 20+; '
                                 'install it or leave --encoder out') from error
        if res.returncode != 0:
            raise cli.InputError(f'--encoder {path} could not be run: {res.stderr.strip() or res.stdout.strip()}')
        out = json.loads(res.stdout)
        return torch.tensor(out['data'], dtype=torch.float32).reshape(out['dims'])
    finally:
        shutil.rmtree(tmp)


def project(G, target, *, steps=1000, lr=0.1, w_plus_steps=0, w_plus_lr=0.01, init_ws=None, vgg=None,
            ssim_weight=1.0, optimize_noise=False, on_step=None, log=print):
    """Project targets [N, C, R, R] in [-1, 1] (each on its own w); returns (ws [N, num_ws, w_dim],
    noise {layer: map} or {}, losses per step)."""
    w_avg, w_std = w_stats(G)
    if vgg:
        loss_fn = VggLoss(vgg, target)
    else:
        log(f'no --vgg feature network: using the pixel + multi-scale loss (image pyramid MSE + {ssim_weight} x (1 - SSIM))')
        loss_fn = PyramidLoss(target, ssim_weight)
    layers = noise_layers(G) if optimize_noise else []
    bufs = []
    for _, layer in layers:
        layer.noise_const = torch.randn_like(layer.noise_const).requires_grad_(True)
        bufs.append(layer.noise_const)
    w0 = init_ws.mean(1, keepdim=True) if init_ws is not None else w_avg.expand(target.shape[0], -1, -1)
    losses, t0 = [], time.time()
    total = steps + w_plus_steps

    def step_cb(offset):
        def cb(step, ws, per_sample):
            done = offset + step + 1
            losses.append(float(per_sample.mean()))
            if on_step:
                on_step(done, ws)
            if done % 50 == 0 or done == total:
                left = (time.time() - t0) / done * (total - done)
                log(f'step {done}/{total}  loss {losses[-1]:.4f}  ~{left:.0f} s left')
        return cb

    ws = optimise(G, loss_fn, w0, steps, lr, w_std, bufs, step_cb(0))
    if w_plus_steps > 0:
        start = ws if init_ws is None or steps > 0 else init_ws
        ws = optimise(G, loss_fn, start, w_plus_steps, w_plus_lr, w_std, bufs, step_cb(steps))
    noise = {name: layer.noise_const.detach().clone() for name, layer in layers}
    return ws, noise, losses


class ProgressVideo:
    """Frames target | projection into proj.mp4 through ffmpeg, or numbered PNGs without it."""

    def __init__(self, outdir, size, fps=30):
        self.ffmpeg = shutil.which('ffmpeg')
        if self.ffmpeg:
            self.path = os.path.join(outdir, 'proj.mp4')
            w, h = size
            self.proc = subprocess.Popen([self.ffmpeg, '-y', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24',
                                          '-s', f'{w}x{h}', '-r', str(fps), '-i', '-', '-vf', 'scale=iw*4:ih*4:flags=neighbor',
                                          '-c:v', 'libx264', '-pix_fmt', 'yuv420p', self.path], stdin=subprocess.PIPE)
        else:
            self.path = os.path.join(outdir, 'proj_frames')
            os.makedirs(self.path, exist_ok=True)
            print(f'ffmpeg is not on PATH: writing the progress frames as PNGs into {self.path} instead of proj.mp4')
        self.count = 0

    def add(self, frame):
        if self.ffmpeg:
            self.proc.stdin.write(np.ascontiguousarray(frame).tobytes())
        else:
            write_png(os.path.join(self.path, f'{self.count:04d}.png'), frame)
        self.count += 1

    def close(self):
        if self.ffmpeg:
            self.proc.stdin.close()
            if self.proc.wait() != 0:
                raise SystemExit(f'ffmpeg failed writing {self.path}')
        print(f'progress: {self.count} frames -> {self.path}')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_generator_arguments(ap)
    ap.add_argument('--target', required=True, help='picture to project (PNG; centre-cropped and resized)')
    ap.add_argument('--outdir', required=True)
    ap.add_argument('--num-steps', type=int, default=1000, help='W steps (default 1000, as NVIDIA)')
    ap.add_argument('--lr', type=float, default=0.1, help='initial learning rate in W (default 0.1)')
    ap.add_argument('--w-plus', action='store_true', help='then fine-tune every ws row separately')
    ap.add_argument('--w-plus-steps', type=int, default=500)
    ap.add_argument('--w-plus-lr', type=float, default=0.01)
    ap.add_argument('--encoder', help="start from this encoder.onnx's guess instead of w_avg")
    ap.add_argument('--vgg', help="NVIDIA's vgg16.pt (TorchScript) for the LPIPS feature loss")
    ap.add_argument('--ssim-weight', type=float, default=1.0, help='weight of 1 - SSIM in the fallback loss')
    ap.add_argument('--optimize-noise', action='store_true', help="optimise the noise maps too (NVIDIA's projector)")
    ap.add_argument('--save-video', type=int, default=1, help='1: write the progress video (default), 0: not')
    ap.add_argument('--seed', type=int, default=303)
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cli.existing_file(args.target, '--target')
    if args.vgg:
        cli.existing_file(args.vgg, '--vgg')
    if args.encoder:
        cli.existing_file(args.encoder, '--encoder')
    cli.output_folder(args.outdir)
    G = load_generator_from_args(args)
    if args.optimize_noise and not noise_layers(G):
        raise cli.InputError('--optimize-noise: this generator has no noise layers (StyleGAN3); leave the flag out')
    try:
        target = read_target(args.target, G.img_resolution, G.img_channels)
    except ValueError as error:
        raise cli.InputError(f'--target {args.target}: {error}; give a PNG') from error
    os.makedirs(args.outdir, exist_ok=True)
    target_u8 = to_uint8(target)[0]
    init = encoder_guess(args.encoder, target) if args.encoder else None
    video = ProgressVideo(args.outdir, (target_u8.shape[1] * 2, target_u8.shape[0])) if args.save_video else None

    def on_step(step, ws):
        if video:
            with torch.no_grad():
                video.add(np.concatenate([target_u8, to_uint8(G.synthesis(ws, noise_mode='const'))[0]], axis=1))

    t0 = time.time()
    ws, noise, _ = project(G, target, steps=args.num_steps, lr=args.lr, w_plus_steps=args.w_plus_steps if args.w_plus else 0,
                           w_plus_lr=args.w_plus_lr, init_ws=init, vgg=args.vgg, ssim_weight=args.ssim_weight,
                           optimize_noise=args.optimize_noise, on_step=on_step)
    print(f'elapsed: {time.time() - t0:.1f} s')
    if video:
        video.close()
    np.savez(os.path.join(args.outdir, 'projected_w.npz'), w=ws.numpy().astype(np.float32))
    if noise:
        np.savez(os.path.join(args.outdir, 'projected_noise.npz'),
                 **{f'noise_{name}': v.numpy().astype(np.float32)[None, None] for name, v in noise.items()})
    with torch.no_grad():
        write_png(os.path.join(args.outdir, 'proj.png'), to_uint8(G.synthesis(ws, noise_mode='const'))[0])
    write_png(os.path.join(args.outdir, 'target.png'), target_u8)
    print(f'wrote {args.outdir}/projected_w.npz (w [1, {G.num_ws}, {G.w_dim}] float32), proj.png, target.png')


if __name__ == '__main__':
    cli.run(main)
