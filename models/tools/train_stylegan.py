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
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safe_load import load_torch_file  # noqa: E402
from stylegan.networks import Generator  # noqa: E402
from training import (LICENSE, REPO_DIR, TOOLS_DIR, DBlock, EqConv, EqLinear, GANTrainer,  # noqa: E402
                      add_run_arguments, add_run_name_arguments, attribution, d_channels, float_state,
                      half_state, lazy_r1_adam, load_data, minibatch_stddev, run)

ATTRIBUTION = attribution('train_stylegan.py')


# ---------------------------------------------------------------------------------------------
# Discriminator: our own, small and residual (training.py's equalised-lr blocks).

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
        x = self.conv4(minibatch_stddev(x, self.mbstd_group))
        return self.out(self.fc(x.flatten(1))).squeeze(1)


# ---------------------------------------------------------------------------------------------

def make_G(args, resolution):
    return Generator(args.z_dim, 0, args.w_dim, resolution, 3,
                     mapping_kwargs=dict(num_layers=args.map_layers),
                     synthesis_kwargs=dict(channel_base=args.g_channel_base, channel_max=args.g_channel_max,
                                           conv_clamp=256))


def make_D(args, resolution):
    return Discriminator(resolution, d_channels(args))


class Trainer(GANTrainer):
    def __init__(self, args, log):
        super().__init__(args, log)
        self.grown_at_nimg = None
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
        self.optD = lazy_r1_adam(self.D.parameters(), a.lr, a.r1_interval)

    # -- state ----------------------------------------------------------------------------------
    def full_state(self):
        return dict(kind='full', step=self.step, nimg=self.nimg, resolution=self.resolution,
                    grown_at_nimg=self.grown_at_nimg,
                    G_kwargs=self.G.init_kwargs(), D_kwargs=self.D.kwargs(),
                    G=self.G.state_dict(), G_ema=self.G_ema.state_dict(), D=self.D.state_dict(),
                    **self.optimizer_state(),
                    args=vars(self.args), train_info=self.train_info(),
                    license=LICENSE, attribution=ATTRIBUTION)

    def compact_state(self):
        return dict(kind='compact', step=self.step, nimg=self.nimg, kimg=self.nimg / 1000,
                    resolution=self.resolution, grown_at_nimg=self.grown_at_nimg,
                    G_kwargs=self.G.init_kwargs(), D_kwargs=self.D.kwargs(),
                    G=half_state(self.G.state_dict()), G_ema=half_state(self.G_ema.state_dict()),
                    D=half_state(self.D.state_dict()),
                    args=vars(self.args), train_info=self.train_info(),
                    license=LICENSE, attribution=ATTRIBUTION)

    def train_info(self):
        a = self.args
        return dict(dataset=os.path.relpath(a.data, REPO_DIR), resolution=self.resolution, step=self.step, kimg=round(self.nimg / 1000, 2),
                    batch=a.batch, lr=a.lr, r1_gamma=self.gamma(), recipe='non-saturating logistic, lazy R1, '
                    'DiffAugment colour+translation+cutout, x-flips, style mixing, G_ema ramp')

    def load(self, path):
        ck = load_torch_file(path)  # no code from the file runs (safe_load.py)
        res = ck['G_kwargs']['img_resolution']
        self.resolution = res
        self.G = Generator(**ck['G_kwargs']).train()
        self.G_ema = Generator(**ck['G_kwargs']).eval()
        self.D = Discriminator(**ck['D_kwargs']).train()
        self.G.load_state_dict(float_state(ck['G']))
        self.G_ema.load_state_dict(float_state(ck['G_ema']))
        self.D.load_state_dict(float_state(ck['D']))
        self.grown_at_nimg = ck.get('grown_at_nimg')
        self.restore_progress(ck)
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
        return torch.where(flip.reshape(-1, 1, 1, 1), x.flip(3), x), None

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

    def generate(self, n):
        return self.G.synthesis(self.gen_ws(n), noise_mode='random'), None

    def discriminate(self, img, labels):
        # Unconditional; a freshly grown D fades its new top block in.
        return self.D(img, self.d_alpha())

    def before_step(self):
        """Grow once the current resolution has had --grow-kimg (checkpointing first)."""
        a = self.args
        if self.resolution >= a.resolution or self.nimg - (self.grown_at_nimg or 0) < a.grow_kimg * 1000:
            return False
        if not a.no_save:
            self.snapshot(a.compact)
        self.grow(self.resolution * 2)
        return True

    def progress_line(self, lg, ld, r1, sps):
        return (f'step {self.step} kimg {self.nimg / 1000:.2f} res {self.resolution} alpha {self.d_alpha():.2f} '
                f'G {lg:.3f} D {ld:.3f} r1 {r1:.4f} w_avg|{float(self.G.mapping.w_avg.norm()):.2f}| {sps:.2f} s/step')

    def timing_note(self):
        return f' at {self.resolution} px'

    def describe(self):
        return f'{self.params_summary()}, resolution {self.resolution}'

    def snapshot(self, compact_path):
        with torch.no_grad():
            imgs = self.G_ema(self.sample_z, None, noise_mode='const').clamp(-1, 1).numpy()
        self.save_snapshot(imgs, 8, self.full_state(), self.compact_state(), compact_path)
        self.log(f'checkpoint at step {self.step} ({self.nimg / 1000:.1f} kimg): {self.run_dir}/ckpt.pt, '
                 f'{compact_path} ({os.path.getsize(compact_path) / 1e6:.1f} MB)')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_name_arguments(ap, 'emoji64')
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
    add_run_arguments(ap, os.path.join(TOOLS_DIR, 'checkpoints', 'emoji-stylegan.pt'))
    run(ap.parse_args(), Trainer)


if __name__ == '__main__':
    main()
