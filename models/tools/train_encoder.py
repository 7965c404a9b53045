#!/usr/bin/python3
"""Train an encoder (picture -> ws, W+) for a StyleGAN generator from the generator alone, and
export it into the generator's model package as `graphs.encoder` (models/README.md).

Self-supervised: z ~ N(0, I) goes through the frozen mapping network (a quarter of the samples
style-mixed at a random row, so the encoder sees W+), the frozen synthesis network draws the
picture (const noise, as the studio draws), and the encoder learns to give the ws back (MSE on
ws). Drawn pairs go into a replay buffer that each step samples from, so one generator pass feeds
several encoder steps. After --warmup of the steps, every --image-every-th step adds an image
reconstruction loss through the frozen generator (pixel MSE at full and half resolution) at
--image-weight; with --real DIR (PNGs, or an images.npy of emoji_dataset.py) real pictures join
that loss, image loss only (they have no ws).

Checkpoints (encoder, optimiser, step, RNG states) go to --run-dir/encoder.pt every
--checkpoint-minutes and at the end; running the same command again resumes from it (the replay
buffer refills). One torch thread unless --threads.

  /usr/bin/python3 models/tools/train_encoder.py --checkpoint models/tools/checkpoints/emoji-stylegan.pt \\
      --run-dir /work/train/inv-train --steps 6000
  /usr/bin/python3 models/tools/train_encoder.py --checkpoint ... --run-dir ... --export models/emoji-stylegan

--export PKG (after training, or alone on a finished run) writes PKG/encoder.onnx, checks it
(onnx checker, the WebGPU graph rules, onnxruntime-web against PyTorch via check_encoder.mjs) and
adds `graphs.encoder` and its `files` entry to PKG/manifest.json, leaving every other file as is.
"""
import argparse
import glob
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli  # noqa: E402

cli.require('torch', 'numpy', 'onnx')
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from safe_load import load_torch_file  # noqa: E402
from inversion import add_generator_arguments, encoder_for, load_encoder_state, load_generator_from_args, read_target  # noqa: E402

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(TOOLS_DIR, 'check_encoder.mjs')
ENCODER_FILE = 'encoder.onnx'


class ReplayBuffer:
    """Generated (picture, ws) pairs, pictures as uint8 to keep memory low; the oldest go first."""

    def __init__(self, capacity, img_shape, ws_shape):
        self.img = torch.zeros((capacity, *img_shape), dtype=torch.uint8)
        self.ws = torch.zeros((capacity, *ws_shape))
        self.capacity, self.size, self.next = capacity, 0, 0

    def add(self, img, ws):
        for i in range(img.shape[0]):
            self.img[self.next] = ((img[i] * 127.5 + 128).clamp(0, 255)).to(torch.uint8)
            self.ws[self.next] = ws[i]
            self.next = (self.next + 1) % self.capacity
            self.size = min(self.size + 1, self.capacity)

    def sample(self, n, gen):
        idx = torch.randint(self.size, (n,), generator=gen)
        return self.img[idx].float() / 127.5 - 1, self.ws[idx]


@torch.no_grad()
def draw(G, n, mix_prob, gen):
    """n generated pictures and their ws; a `mix_prob` share style-mixed at a random crossover row."""
    z = torch.randn(n, G.z_dim, generator=gen)
    c = torch.zeros(n, G.c_dim)
    ws = G.mapping(z, c)
    if G.num_ws > 1 and mix_prob > 0:
        other = G.mapping(torch.randn(n, G.z_dim, generator=gen), c)
        mixed = torch.rand(n, generator=gen) < mix_prob
        cut = torch.randint(1, G.num_ws, (n,), generator=gen)
        rows = torch.arange(G.num_ws)[None] >= cut[:, None]
        ws = torch.where((mixed[:, None] & rows)[..., None], other, ws)
    return G.synthesis(ws, noise_mode='const'), ws


def load_real(path, resolution):
    """Real pictures for the image loss: a folder of PNGs or an emoji_dataset.py images.npy, in [-1, 1]."""
    if path.endswith('.npy'):
        arr = np.load(cli.existing_file(path, '--real'))
        t = torch.from_numpy(arr).float() / 127.5 - 1
        return F.interpolate(t, size=(resolution, resolution), mode='area') if t.shape[-1] != resolution else t
    files = sorted(glob.glob(os.path.join(path, '*.png')))
    if not files:
        raise cli.InputError(f'--real {path} holds no .png files (give a folder of PNGs or an images.npy)')
    return torch.cat([read_target(f, resolution) for f in files])


def image_loss(G, enc, img):
    rec = G.synthesis(enc(img), noise_mode='const')
    return F.mse_loss(rec, img) + F.mse_loss(F.avg_pool2d(rec, 2), F.avg_pool2d(img, 2))


def train(args, G):
    os.makedirs(args.run_dir, exist_ok=True)
    ckpt_path = os.path.join(args.run_dir, 'encoder.pt')
    enc = encoder_for(G, width=args.width, max_channels=args.max_channels, hidden=args.hidden)
    opt = torch.optim.Adam(enc.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(args.seed)
    step = 0
    if os.path.exists(ckpt_path):
        state = load_torch_file(ckpt_path)
        if state['encoder_kwargs'] != enc.kwargs:
            raise cli.InputError(f'{ckpt_path} holds an encoder of another shape ({state["encoder_kwargs"]}); '
                                 'use another --run-dir or the same --width/--max-channels/--hidden')
        enc.load_state_dict(state['encoder'])
        opt.load_state_dict(state['opt'])
        gen.set_state(state['rng'])
        step = state['step']
        print(f'resumed {ckpt_path} at step {step}', flush=True)
    print(f'encoder: {sum(p.numel() for p in enc.parameters()):,} parameters; generator {G.img_resolution} px, '
          f'num_ws {G.num_ws}, w_dim {G.w_dim}', flush=True)
    real = load_real(args.real, G.img_resolution) if args.real else None
    if real is not None:
        print(f'real pictures: {real.shape[0]} from {args.real} (image loss only)', flush=True)
    buf = ReplayBuffer(args.buffer, (G.img_channels, G.img_resolution, G.img_resolution), (G.num_ws, G.w_dim))
    while step < args.steps and buf.size < min(args.batch * 4, args.buffer):
        buf.add(*draw(G, args.draw, args.mix, gen))

    def save():
        torch.save(dict(encoder=enc.state_dict(), encoder_kwargs=enc.kwargs, opt=opt.state_dict(),
                        rng=gen.get_state(), step=step, args=vars(args)), ckpt_path + '.tmp')
        os.replace(ckpt_path + '.tmp', ckpt_path)

    t0 = last_save = time.time()
    start_step, ws_avg, img_avg = step, None, None
    warm = int(args.steps * args.warmup)
    while step < args.steps:
        # The lr falls along a cosine to a tenth at the end: late steps refine instead of jumping.
        lr = args.lr * (0.1 + 0.45 * (1 + np.cos(np.pi * step / args.steps)))
        for group in opt.param_groups:
            group['lr'] = lr
        if step % args.draw_every == 0:
            buf.add(*draw(G, args.draw, args.mix, gen))
        img, ws = buf.sample(args.batch, gen)
        loss_ws = F.mse_loss(enc(img), ws)
        loss = loss_ws
        loss_img = None
        if step >= warm and args.image_weight > 0 and step % args.image_every == 0:
            target = buf.sample(args.image_batch, gen)[0]
            if real is not None:
                target = torch.cat([target, real[torch.randint(real.shape[0], (args.image_batch,), generator=gen)]])
            loss_img = image_loss(G, enc, target)
            loss = loss + args.image_weight * loss_img
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        ws_avg = loss_ws.item() if ws_avg is None else 0.98 * ws_avg + 0.02 * loss_ws.item()
        if loss_img is not None:
            img_avg = loss_img.item() if img_avg is None else 0.9 * img_avg + 0.1 * loss_img.item()
        if step % args.log_every == 0 or step == args.steps:
            spent = time.time() - t0
            eta = spent / (step - start_step) * (args.steps - step)
            print(f'step {step}/{args.steps}  ws mse {ws_avg:.4f}  image mse {img_avg if img_avg is not None else float("nan"):.4f}  '
                  f'lr {lr:.2e}  buffer {buf.size}  {spent / 60:.1f} min, ~{eta / 60:.1f} min left', flush=True)
        if time.time() - last_save > args.checkpoint_minutes * 60:
            save()
            last_save = time.time()
    save()
    print(f'done: {step} steps, {(time.time() - t0) / 60:.1f} min this run; checkpoint {ckpt_path}', flush=True)
    return enc.eval()


def export(enc, G, pkg):
    """Write pkg/encoder.onnx, check it, and add it to pkg/manifest.json (other files untouched)."""
    from export_stylegan import _export, check_graphs, file_entry, run_checker
    manifest_path = os.path.join(pkg, 'manifest.json')
    with open(cli.existing_file(manifest_path, 'the package manifest')) as fh:
        manifest = json.load(fh)
    want = [manifest.get('family'), manifest.get('resolution'), manifest.get('img_channels'), manifest.get('num_ws'), manifest.get('w_dim')]
    have = ['stylegan', G.img_resolution, G.img_channels, G.num_ws, G.w_dim]
    if want != have:
        raise cli.InputError(f'{manifest_path} is for another generator (family, resolution, channels, num_ws, w_dim '
                             f'{want}; this generator {have}); export into the package of the same generator')
    path = os.path.join(pkg, ENCODER_FILE)
    example = torch.zeros(1, G.img_channels, G.img_resolution, G.img_resolution)
    _export(enc.eval(), (example,), path, ['img'], ['ws'],
            dict(img=['batch', *example.shape[1:]], ws=['batch', G.num_ws, G.w_dim]))
    spec = dict(file=ENCODER_FILE, inputs=['img'], outputs=['ws'])
    check_graphs(pkg, dict(graphs=dict(encoder=spec)))
    # Reference: PyTorch on generated pictures and on noise, batch of 3, for onnxruntime-web to match.
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        imgs = torch.cat([draw(G, 2, 0.0, gen)[0], torch.rand(1, *example.shape[1:], generator=gen) * 2 - 1])
        ws = enc(imgs)
    tmp = tempfile.mkdtemp(prefix='latent-studio-encoder-')
    ref = os.path.join(tmp, 'encoder.json')
    with open(ref, 'w') as fh:
        json.dump(dict(file=path, img=dict(dims=list(imgs.shape), data=imgs.flatten().tolist()),
                       ws=dict(dims=list(ws.shape), data=ws.flatten().tolist()), tolerance=1e-4), fh)
    if run_checker(CHECKER, ref, tmp) != 0:
        raise SystemExit(f'{path}: onnxruntime-web disagrees with PyTorch (see above); the manifest was not changed')
    manifest['graphs']['encoder'] = spec
    manifest['files'][ENCODER_FILE] = file_entry(path)
    with open(manifest_path, 'w') as fh:
        json.dump(manifest, fh, indent=2)
        fh.write('\n')
    print(f'{manifest_path}: graphs.encoder -> {ENCODER_FILE} ({manifest["files"][ENCODER_FILE]["bytes"]} bytes)')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_generator_arguments(ap)
    ap.add_argument('--run-dir', required=True, help='folder for the checkpoint encoder.pt (resumed when present)')
    ap.add_argument('--steps', type=int, default=6000, help='training steps in all (default 6000)')
    ap.add_argument('--batch', type=int, default=32, help='encoder batch from the replay buffer')
    ap.add_argument('--draw', type=int, default=8, help='pictures the generator draws into the buffer per draw')
    ap.add_argument('--draw-every', type=int, default=1, help='steps between draws')
    ap.add_argument('--buffer', type=int, default=16384, help='replay buffer size (pictures)')
    ap.add_argument('--mix', type=float, default=0.25, help='share of style-mixed samples (W+)')
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--warmup', type=float, default=0.3, help='share of the steps before the image loss starts')
    ap.add_argument('--image-weight', type=float, default=0.5, help='weight of the image loss (0: off)')
    ap.add_argument('--image-every', type=int, default=4, help='steps between image-loss steps')
    ap.add_argument('--image-batch', type=int, default=4, help='generated (and as many real) pictures per image-loss step')
    ap.add_argument('--real', help='real pictures for the image loss: a folder of PNGs or an images.npy')
    ap.add_argument('--width', type=int, default=32, help='channels of the first stage')
    ap.add_argument('--max-channels', type=int, default=128)
    ap.add_argument('--hidden', type=int, default=256, help='width of the dense layer')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--checkpoint-minutes', type=float, default=3)
    ap.add_argument('--log-every', type=int, default=50)
    ap.add_argument('--export', metavar='PKG', help='package folder of this generator to add encoder.onnx to')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    G = load_generator_from_args(args)
    if args.steps > 0:
        enc = train(args, G)
    else:
        ckpt = os.path.join(args.run_dir, 'encoder.pt')
        enc = load_encoder_state(load_torch_file(cli.existing_file(ckpt, 'the checkpoint')))
    if args.export:
        export(enc, G, args.export)


if __name__ == '__main__':
    cli.run(main)
