#!/usr/bin/python3
"""Train the demo StyleGAN2 on emoji, on CPU, with the same Generator the exporter converts.

Recipe (DESIGN §5): non-saturating logistic loss, lazy R1 every 16 steps, DiffAugment-style
colour + translation + cutout on real and fake images, equalised learning rates in both networks,
Adam lr 0.0025 betas (0, 0.99), G_ema with a ramp, style mixing, x-flips of the data, a small
residual discriminator. Progressive growth stays inside the official architecture: a 'skip'
generator at 32 px is exactly the 64 px generator minus its b64 block, so growing adds b64 (its
ToRGB starts near zero, so the picture starts as the upsampled 32 px one) and a new top block in D
that fades in.

Run (from the repository root):
  /usr/bin/python3 models/tools/emoji_dataset.py
  setsid nohup /usr/bin/python3 models/tools/train_stylegan.py --name emoji64 \
      > /dev/null 2>&1 &          # log: models/tools/runs/emoji64/train.log
Resume: add --resume models/tools/runs/emoji64/ckpt.pt (full state) or
        --resume models/tools/checkpoints/emoji-stylegan.pt (compact: weights only, fresh Adam).
Export: /usr/bin/python3 models/tools/export_stylegan.py --checkpoint models/tools/checkpoints/emoji-stylegan.pt ...
"""
import argparse
import copy
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS_DIR)
from pngio import grid, write_png  # noqa: E402
from stylegan.networks import Generator  # noqa: E402

SQRT2 = float(np.sqrt(2))
LICENSE = 'CC-BY-4.0'
ATTRIBUTION = ('Trained with Latent Studio (models/tools/train_stylegan.py) on emoji images: Noto Emoji '
               '(Copyright Google Inc., Apache License 2.0) and Twemoji (Copyright Twitter, Inc. and '
               'other contributors, CC-BY 4.0), taken from the npm packages emoji-datasource-google '
               'and emoji-datasource-twitter.')


# ---------------------------------------------------------------------------------------------
# Discriminator: our own, small and residual. Equalised lr (weights N(0,1), scaled at run time)
# so that one Adam lr suits every layer, as in the generator.

class EqConv(torch.nn.Module):
    def __init__(self, cin, cout, k, act=True, bias=True, down=False):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = torch.nn.Parameter(torch.zeros(cout)) if bias else None
        self.gain = 1 / np.sqrt(cin * k * k)
        self.act, self.down, self.pad = act, down, k // 2

    def forward(self, x):
        if self.down:  # box-filter first: 4x fewer MACs than convolving at full resolution
            x = F.avg_pool2d(x, 2)
        x = F.conv2d(x, self.weight * self.gain, self.bias, padding=self.pad)
        return F.leaky_relu(x, 0.2) * SQRT2 if self.act else x


class EqLinear(torch.nn.Module):
    def __init__(self, cin, cout, act=True):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(cout, cin))
        self.bias = torch.nn.Parameter(torch.zeros(cout))
        self.gain = 1 / np.sqrt(cin)
        self.act = act

    def forward(self, x):
        x = F.linear(x, self.weight * self.gain, self.bias)
        return F.leaky_relu(x, 0.2) * SQRT2 if self.act else x


class DBlock(torch.nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv0 = EqConv(cin, cin, 3)
        self.conv1 = EqConv(cin, cout, 3, down=True)
        self.skip = EqConv(cin, cout, 1, act=False, bias=False, down=True)

    def forward(self, x):
        return (self.skip(x) + self.conv1(self.conv0(x))) * np.sqrt(0.5)


class Discriminator(torch.nn.Module):
    """fromrgb{r} exists at every resolution so that a grown D still holds the previous top
    layer (needed for the fade-in) and a smaller D's weights load into a bigger one."""

    def __init__(self, resolution, channels, mbstd_group=4):
        super().__init__()
        self.resolution = resolution
        self.channels = dict(channels)
        self.mbstd_group = mbstd_group
        self.res_list = [2 ** i for i in range(int(np.log2(resolution)), 2, -1)]  # R .. 8
        for r in self.res_list:
            setattr(self, f'fromrgb{r}', EqConv(3, self.channels[r], 1))
            setattr(self, f'b{r}', DBlock(self.channels[r], self.channels[r // 2]))
        c4 = self.channels[4]
        self.conv4 = EqConv(c4 + 1, c4, 3)
        self.fc = EqLinear(c4 * 16, c4)
        self.out = EqLinear(c4, 1, act=False)

    def kwargs(self):
        return dict(resolution=self.resolution, channels=self.channels, mbstd_group=self.mbstd_group)

    def forward(self, img, alpha=1.0):
        R = self.resolution
        x = getattr(self, f'b{R}')(getattr(self, f'fromrgb{R}')(img))
        if alpha < 1:
            y = getattr(self, f'fromrgb{R // 2}')(F.avg_pool2d(img, 2))
            x = y + (x - y) * alpha
        for r in self.res_list[1:]:
            x = getattr(self, f'b{r}')(x)
        # Minibatch standard deviation, one feature: lets D see the diversity of a batch.
        n, c, h, w = x.shape
        g = min(self.mbstd_group, n)
        while n % g:
            g -= 1
        y = x.reshape(g, -1, c, h, w)
        y = (y - y.mean(0)).square().mean(0).add(1e-8).sqrt().mean([1, 2, 3])
        y = y.reshape(-1, 1, 1, 1).repeat(g, 1, h, w)
        x = self.conv4(torch.cat([x, y], 1))
        return self.out(self.fc(x.flatten(1))).squeeze(1)


# ---------------------------------------------------------------------------------------------
# DiffAugment-style differentiable augmentation (applied to real and fake alike).

def augment(x, translation=0.125, cutout=0.5):
    n, _, h, w = x.shape
    dev = x.device
    # Colour: brightness, saturation, contrast.
    x = x + (torch.rand(n, 1, 1, 1, device=dev) - 0.5)
    m = x.mean(1, keepdim=True)
    x = (x - m) * (torch.rand(n, 1, 1, 1, device=dev) * 2) + m
    m = x.mean([1, 2, 3], keepdim=True)
    x = (x - m) * (torch.rand(n, 1, 1, 1, device=dev) + 0.5) + m
    # Translation by up to 1/8 of the size, zero fill.
    sh, sw = int(h * translation + 0.5), int(w * translation + 0.5)
    ty = torch.randint(-sh, sh + 1, (n, 1, 1), device=dev)
    tx = torch.randint(-sw, sw + 1, (n, 1, 1), device=dev)
    gy = (torch.arange(h, device=dev).reshape(1, h, 1) - ty + 1).clamp(0, h + 1)
    gx = (torch.arange(w, device=dev).reshape(1, 1, w) - tx + 1).clamp(0, w + 1)
    xp = F.pad(x, [1, 1, 1, 1])
    bi = torch.arange(n, device=dev).reshape(n, 1, 1)
    x = xp.permute(0, 2, 3, 1)[bi, gy.expand(n, h, w), gx.expand(n, h, w)].permute(0, 3, 1, 2)
    # Cutout: one square of half the size, zeroed.
    ch, cw = int(h * cutout + 0.5), int(w * cutout + 0.5)
    cy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=dev)
    cx = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=dev)
    yy = torch.arange(h, device=dev).reshape(1, h, 1)
    xx = torch.arange(w, device=dev).reshape(1, 1, w)
    keep = ~(((yy - cy).abs() <= ch // 2 - 1 + (ch % 2)) & ((xx - cx).abs() <= cw // 2 - 1 + (cw % 2)))
    return x * keep.unsqueeze(1).to(x.dtype)


# ---------------------------------------------------------------------------------------------

def g_channels(channel_base, channel_max, res):
    return min(channel_base // res, channel_max)


def make_G(args, resolution):
    return Generator(args.z_dim, 0, args.w_dim, resolution, 3,
                     mapping_kwargs=dict(num_layers=args.map_layers),
                     synthesis_kwargs=dict(channel_base=args.g_channel_base, channel_max=args.g_channel_max,
                                           conv_clamp=256))


def make_D(args, resolution):
    ch = {r: min(args.d_channel_base // r, args.d_channel_max) for r in [2 ** i for i in range(2, 8)]}
    return Discriminator(resolution, ch)


def load_data(path, resolution):
    imgs = np.load(path)  # uint8 [N,3,64,64]
    x = torch.from_numpy(imgs).float() / 127.5 - 1
    while x.shape[-1] > resolution:
        x = F.avg_pool2d(x, 2)  # area downsampling
    return x


class Trainer:
    def __init__(self, args, log):
        self.args = args
        self.log = log
        self.run_dir = os.path.join(TOOLS_DIR, 'runs', args.name)
        self.step = 0
        self.nimg = 0
        self.grown_at_nimg = None
        self.rng = np.random.RandomState(args.seed)
        torch.manual_seed(args.seed)
        self.sample_z = torch.from_numpy(np.random.RandomState(12345).randn(32, args.z_dim)).float()
        self.resolution = args.start_resolution
        self.G = make_G(args, self.resolution).train()
        self.D = make_D(args, self.resolution).train()
        self.G_ema = copy.deepcopy(self.G).eval()
        self.make_optimizers()
        self.data = None

    def make_optimizers(self):
        a = self.args
        self.optG = torch.optim.Adam(self.G.parameters(), lr=a.lr, betas=(0, 0.99), eps=1e-8)
        # Lazy regularisation: R1 runs every r1_interval steps with its weight scaled by the interval;
        # the official code compensates lr and betas by interval/(interval+1).
        ratio = a.r1_interval / (a.r1_interval + 1)
        self.optD = torch.optim.Adam(self.D.parameters(), lr=a.lr * ratio, betas=(0, 0.99 ** ratio), eps=1e-8)

    # -- state ----------------------------------------------------------------------------------
    def full_state(self):
        return dict(kind='full', step=self.step, nimg=self.nimg, resolution=self.resolution,
                    grown_at_nimg=self.grown_at_nimg,
                    G_kwargs=self.G.init_kwargs(), D_kwargs=self.D.kwargs(),
                    G=self.G.state_dict(), G_ema=self.G_ema.state_dict(), D=self.D.state_dict(),
                    optG=self.optG.state_dict(), optD=self.optD.state_dict(),
                    torch_rng=torch.get_rng_state(), np_rng=self.rng.get_state(),
                    args=vars(self.args), train_info=self.train_info(),
                    license=LICENSE, attribution=ATTRIBUTION)

    def compact_state(self):
        half = lambda sd: {k: v.half() if v.is_floating_point() else v for k, v in sd.items()}  # noqa: E731
        return dict(kind='compact', step=self.step, nimg=self.nimg, kimg=self.nimg / 1000,
                    resolution=self.resolution, grown_at_nimg=self.grown_at_nimg,
                    G_kwargs=self.G.init_kwargs(), D_kwargs=self.D.kwargs(),
                    G=half(self.G.state_dict()), G_ema=half(self.G_ema.state_dict()), D=half(self.D.state_dict()),
                    args=vars(self.args), train_info=self.train_info(),
                    license=LICENSE, attribution=ATTRIBUTION)

    def train_info(self):
        a = self.args
        return dict(dataset=os.path.relpath(a.data, os.path.dirname(os.path.dirname(TOOLS_DIR))), resolution=self.resolution, step=self.step, kimg=round(self.nimg / 1000, 2),
                    batch=a.batch, lr=a.lr, r1_gamma=self.gamma(), recipe='non-saturating logistic, lazy R1, '
                    'DiffAugment colour+translation+cutout, x-flips, style mixing, G_ema ramp')

    def load(self, path):
        ck = torch.load(path, map_location='cpu')
        res = ck['G_kwargs']['img_resolution']
        self.resolution = res
        self.G = Generator(**ck['G_kwargs']).train()
        self.G_ema = Generator(**ck['G_kwargs']).eval()
        self.D = Discriminator(**ck['D_kwargs']).train()
        self.G.load_state_dict({k: v.float() for k, v in ck['G'].items()})
        self.G_ema.load_state_dict({k: v.float() for k, v in ck['G_ema'].items()})
        self.D.load_state_dict({k: v.float() for k, v in ck['D'].items()})
        self.make_optimizers()
        self.step, self.nimg = ck['step'], ck['nimg']
        self.grown_at_nimg = ck.get('grown_at_nimg')
        if ck.get('kind') == 'full':
            self.optG.load_state_dict(ck['optG'])
            self.optD.load_state_dict(ck['optD'])
            torch.set_rng_state(ck['torch_rng'])
            self.rng.set_state(ck['np_rng'])
        self.log(f'resumed from {path} ({ck.get("kind")}): step {self.step}, {self.nimg / 1000:.1f} kimg, {res} px')

    def grow(self, resolution):
        """Add the next blocks of the official architecture; keep every existing weight."""
        a = self.args
        old_G, old_ema, old_D = self.G, self.G_ema, self.D
        self.G, self.G_ema = make_G(a, resolution).train(), make_G(a, resolution).eval()
        self.D = make_D(a, resolution).train()
        for new, old in ((self.G, old_G), (self.G_ema, old_ema)):
            missing, unexpected = new.load_state_dict(old.state_dict(), strict=False)
            assert not unexpected and all(k.startswith(f'synthesis.b{resolution}.') for k in missing), missing
        self.G_ema.load_state_dict(self.G_ema.state_dict())
        with torch.no_grad():
            # New ToRGB starts near zero: the first 64 px images are the upsampled 32 px ones.
            w = self.G.synthesis.__getattr__(f'b{resolution}').torgb.weight
            w.mul_(0.05)
            self.G_ema.synthesis.__getattr__(f'b{resolution}').torgb.weight.copy_(w)
        missing, unexpected = self.D.load_state_dict(old_D.state_dict(), strict=False)
        assert not unexpected, unexpected
        self.resolution = resolution
        self.grown_at_nimg = self.nimg
        self.make_optimizers()
        self.data = None
        self.log(f'grew to {resolution} px at {self.nimg / 1000:.1f} kimg; new D params: {missing}')

    # -- training -------------------------------------------------------------------------------
    def gamma(self):
        return self.args.r1_gamma * (self.resolution / 32) ** 2

    def d_alpha(self):
        if self.grown_at_nimg is None:
            return 1.0
        return float(min(1.0, (self.nimg - self.grown_at_nimg) / max(1, self.args.fade_kimg * 1000)))

    def real_batch(self):
        if self.data is None:
            self.data = load_data(self.args.data, self.resolution)
        idx = self.rng.randint(0, len(self.data), self.args.batch)
        x = self.data[idx]
        flip = torch.from_numpy(self.rng.rand(self.args.batch) < 0.5)
        return torch.where(flip.reshape(-1, 1, 1, 1), x.flip(3), x)

    def gen_ws(self, n):
        G = self.G
        z = torch.randn(n, G.z_dim)
        ws = G.mapping(z, None)
        if self.args.style_mixing > 0:
            cutoff = int(torch.randint(1, G.num_ws, ()))
            if float(torch.rand(())) < self.args.style_mixing:
                ws2 = G.mapping(torch.randn_like(z), None, skip_w_avg_update=True)
                ws = torch.cat([ws[:, :cutoff], ws2[:, cutoff:]], 1)
        return ws

    def train_step(self):
        a = self.args
        G, D = self.G, self.D
        alpha = self.d_alpha()
        # Generator: non-saturating logistic loss.
        G.requires_grad_(True)
        D.requires_grad_(False)
        fake = G.synthesis(self.gen_ws(a.batch), noise_mode='random')
        loss_G = F.softplus(-D(augment(fake), alpha)).mean()
        self.optG.zero_grad(set_to_none=True)
        loss_G.backward()
        self.optG.step()
        # Discriminator (+ lazy R1 on the same real pass).
        G.requires_grad_(False)
        D.requires_grad_(True)
        with torch.no_grad():
            fake = G.synthesis(self.gen_ws(a.batch), noise_mode='random')
        real = self.real_batch()
        do_r1 = self.step % a.r1_interval == 0
        real.requires_grad_(do_r1)
        logits_real = D(augment(real), alpha)
        loss_D = F.softplus(D(augment(fake), alpha)).mean() + F.softplus(-logits_real).mean()
        r1 = torch.zeros(())
        if do_r1:
            (grad,) = torch.autograd.grad(logits_real.sum(), real, create_graph=True)
            r1 = grad.square().sum([1, 2, 3]).mean()
            loss_D = loss_D + r1 * (self.gamma() / 2) * a.r1_interval
        self.optD.zero_grad(set_to_none=True)
        loss_D.backward()
        self.optD.step()
        # G_ema with the official ramp: the averaging window grows with the images seen.
        self.nimg += a.batch
        self.step += 1
        ema_nimg = min(a.ema_kimg * 1000, self.nimg * a.ema_rampup)
        beta = 0.5 ** (a.batch / max(ema_nimg, 1e-8))
        with torch.no_grad():
            for pe, p in zip(self.G_ema.parameters(), G.parameters()):
                pe.copy_(p.lerp(pe, beta))
            for be, b in zip(self.G_ema.buffers(), G.buffers()):
                be.copy_(b)
        return float(loss_G), float(loss_D), float(r1)

    def snapshot(self, compact_path):
        os.makedirs(self.run_dir, exist_ok=True)
        with torch.no_grad():
            imgs = self.G_ema(self.sample_z, None, noise_mode='const').clamp(-1, 1).numpy()
        g = grid(imgs, 8)
        scale = max(1, 128 // self.resolution)
        g = np.kron(g, np.ones((scale, scale, 1), np.uint8))
        write_png(os.path.join(self.run_dir, f'samples_{self.step:06d}.png'), g)
        write_png(os.path.join(self.run_dir, 'samples_latest.png'), g)
        tmp = os.path.join(self.run_dir, 'ckpt.pt.tmp')
        torch.save(self.full_state(), tmp)
        os.replace(tmp, os.path.join(self.run_dir, 'ckpt.pt'))
        os.makedirs(os.path.dirname(compact_path), exist_ok=True)
        torch.save(self.compact_state(), compact_path + '.tmp')
        os.replace(compact_path + '.tmp', compact_path)
        self.log(f'checkpoint at step {self.step} ({self.nimg / 1000:.1f} kimg): {self.run_dir}/ckpt.pt, '
                 f'{compact_path} ({os.path.getsize(compact_path) / 1e6:.1f} MB)')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--name', default='emoji64')
    ap.add_argument('--data', default=os.path.join(TOOLS_DIR, 'data', 'emoji-smileys', 'images.npy'))
    ap.add_argument('--resolution', type=int, default=64, help='final resolution')
    ap.add_argument('--start-resolution', type=int, default=32, help='train here first, then grow')
    ap.add_argument('--grow-kimg', type=float, default=48, help='grow one step every this many kimg')
    ap.add_argument('--fade-kimg', type=float, default=10, help="D's new top block fades in over this")
    ap.add_argument('--kimg', type=float, default=300, help='stop after this many thousand images')
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--lr', type=float, default=0.0025)
    ap.add_argument('--r1-gamma', type=float, default=0.05, help='R1 weight at 32 px (scaled by res^2)')
    ap.add_argument('--r1-interval', type=int, default=16)
    ap.add_argument('--style-mixing', type=float, default=0.5)
    ap.add_argument('--ema-kimg', type=float, default=10)
    ap.add_argument('--ema-rampup', type=float, default=0.05)
    ap.add_argument('--z-dim', type=int, default=128)
    ap.add_argument('--w-dim', type=int, default=128)
    ap.add_argument('--map-layers', type=int, default=4)
    ap.add_argument('--g-channel-base', type=int, default=2048)
    ap.add_argument('--g-channel-max', type=int, default=128)
    ap.add_argument('--d-channel-base', type=int, default=1024)
    ap.add_argument('--d-channel-max', type=int, default=128)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1, help='torch threads (leave a core to the team)')
    ap.add_argument('--ckpt-minutes', type=float, default=5)
    ap.add_argument('--compact', default=os.path.join(TOOLS_DIR, 'checkpoints', 'emoji-stylegan.pt'))
    ap.add_argument('--resume', default=None, help='full (runs/<name>/ckpt.pt) or compact checkpoint')
    ap.add_argument('--max-steps', type=int, default=None, help='stop after this many steps (timing runs)')
    ap.add_argument('--no-save', action='store_true', help='do not write checkpoints (timing runs)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    run_dir = os.path.join(TOOLS_DIR, 'runs', args.name)
    os.makedirs(run_dir, exist_ok=True)
    log_path = os.path.join(run_dir, 'train.log')

    def log(msg):
        line = f'[{time.strftime("%Y-%m-%d %H:%M:%S")}] {msg}'
        print(line, flush=True)
        with open(log_path, 'a') as fh:
            fh.write(line + '\n')

    t = Trainer(args, log)
    if args.resume:
        t.load(args.resume)
    log(f'args {json.dumps(vars(args))}')
    log(f'G params {sum(p.numel() for p in t.G.parameters()) / 1e6:.2f} M, '
        f'D params {sum(p.numel() for p in t.D.parameters()) / 1e6:.2f} M, resolution {t.resolution}')
    last_ckpt = time.time()
    t0, steps0 = time.time(), t.step
    while t.nimg < args.kimg * 1000 and (args.max_steps is None or t.step - steps0 < args.max_steps):
        if t.resolution < args.resolution:
            since = t.nimg - (t.grown_at_nimg or 0)
            if since >= args.grow_kimg * 1000:
                if not args.no_save:
                    t.snapshot(args.compact)
                t.grow(t.resolution * 2)
                t0, steps0 = time.time(), t.step
        lg, ld, r1 = t.train_step()
        if t.step % 25 == 0 or t.step - steps0 <= 3:
            sps = (time.time() - t0) / max(1, t.step - steps0)
            log(f'step {t.step} kimg {t.nimg / 1000:.2f} res {t.resolution} alpha {t.d_alpha():.2f} '
                f'G {lg:.3f} D {ld:.3f} r1 {r1:.4f} w_avg|{float(t.G.mapping.w_avg.norm()):.2f}| {sps:.2f} s/step')
        if not args.no_save and time.time() - last_ckpt > args.ckpt_minutes * 60:
            t.snapshot(args.compact)
            last_ckpt = time.time()
    log(f'{(time.time() - t0) / max(1, t.step - steps0):.2f} s/step over the last {t.step - steps0} steps at {t.resolution} px')
    if not args.no_save:
        t.snapshot(args.compact)
    log('done')


if __name__ == '__main__':
    main()
