#!/usr/bin/python3
"""Train the class-conditional demo BigGAN on emoji, on CPU, with the BigGAN module that
export_biggan.py converts (biggan/model.py: BigGAN-deep blocks, spectral norm, conditional batch
norm, self-attention), at small channel widths.

Classes are emoji subcategories (labels.json of emoji_dataset.py); by default the 8 largest
face / heart / cat subcategories ('emotion' and 'face-costume' mix unrelated symbols, the rest
have 6-14 images each).

Recipe (the one that trains train_stylegan.py's model here, DESIGN §5): non-saturating logistic
loss, lazy R1 every 16 steps, DiffAugment-style colour + translation + cutout on real and fake
images (training.augment), x-flips of the data, a small residual projection discriminator
with equalised learning rate (training.py's blocks; logits = linear(h) + <embed(class), h>),
orthogonal initialisation and Adam(0, 0.999) for G, G_ema with the StyleGAN ramp. The generator's
batch norms use batch statistics while training; each checkpoint fills the 51 truncation rows of
standing statistics on a copy of G_ema (BigGANBatchNorm / compute_standing_stats).

Run (from the repository root):
  /usr/bin/python3 models/tools/emoji_dataset.py
  setsid nohup /usr/bin/python3 models/tools/train_biggan.py --name emoji-biggan32 > /dev/null 2>&1 &
  tail -f models/tools/runs/emoji-biggan32/train.log       # samples_*.png next to it
Resume: add --resume models/tools/runs/<name>/ckpt.pt (full state) or
        --resume models/tools/checkpoints/emoji-biggan.pt (compact: weights only, fresh Adam).
Export: /usr/bin/python3 models/tools/export_biggan.py --checkpoint models/tools/checkpoints/emoji-biggan.pt \
            --out models/emoji-biggan --id emoji-biggan --name 'Emoji BigGAN (demo)'
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from biggan.model import BigGAN, BigGANConfig  # noqa: E402
from safe_load import load_torch_file  # noqa: E402
from training import (LICENSE, REPO_DIR, TOOLS_DIR, DBlock, EqConv, EqLinear, GANTrainer,  # noqa: E402
                      add_run_arguments, add_run_name_arguments, attribution, d_channels, float_state,
                      half_state, lazy_r1_adam, load_data, minibatch_stddev, run)

ATTRIBUTION = attribution('train_biggan.py')
DEFAULT_CLASSES = ('face-smiling', 'face-affection', 'face-neutral-skeptical', 'face-concerned',
                   'face-unwell', 'face-negative', 'heart', 'cat-face')
# (upsample, in, out) multipliers of channel_width, ending at 1 (the final batch norm's width).
G_LAYERS = {
    32: [(False, 16, 16), (True, 16, 8), (False, 8, 8), (True, 8, 4), (False, 4, 2), (True, 2, 1)],
    64: [(False, 16, 16), (True, 16, 8), (False, 8, 8), (True, 8, 4), (False, 4, 4), (True, 4, 2),
         (False, 2, 2), (True, 2, 1)],
}


class ProjectionDiscriminator(torch.nn.Module):
    """Residual D (fromrgb, DBlocks down to 4x4, minibatch stddev, conv, fc) with a projection
    head: logit = out(h) + <embed(c), h> / sqrt(dim h) (Miyato & Koyama 2018)."""

    def __init__(self, resolution, channels, num_classes, mbstd_group=4):
        super().__init__()
        self.resolution = resolution
        self.channels = {int(k): v for k, v in channels.items()}
        self.num_classes = num_classes
        self.mbstd_group = mbstd_group
        self.res_list = [2 ** i for i in range(int(np.log2(resolution)), 2, -1)]
        self.fromrgb = EqConv(3, self.channels[resolution], 1)
        self.blocks = torch.nn.ModuleList(DBlock(self.channels[r], self.channels[r // 2]) for r in self.res_list)
        c4 = self.channels[4]
        self.conv4 = EqConv(c4 + 1, c4, 3)
        self.fc = EqLinear(c4 * 16, c4)
        self.out = EqLinear(c4, 1, act=False)
        self.embed = torch.nn.Parameter(torch.randn(num_classes, c4))

    def kwargs(self):
        return dict(resolution=self.resolution, channels=self.channels, num_classes=self.num_classes,
                    mbstd_group=self.mbstd_group)

    def forward(self, img, c):
        x = self.fromrgb(img)
        for block in self.blocks:
            x = block(x)
        hidden = self.fc(self.conv4(minibatch_stddev(x, self.mbstd_group)).flatten(1))
        proj = (hidden * (c @ self.embed)).sum(1) / np.sqrt(hidden.shape[1])
        return self.out(hidden).squeeze(1) + proj


def ortho_init(G):
    """BigGAN's initialisation: orthogonal conv / linear weights, zero biases (before spectral
    norm's u, v are refreshed)."""
    with torch.no_grad():
        for name, p in G.named_parameters():
            if name.endswith('weight_orig') or name == 'embeddings.weight':
                torch.nn.init.orthogonal_(p)
            elif name.endswith('.bias') and not name.startswith('generator.bn.'):
                p.zero_()
    G.power_iterate(10)


def load_classes(data_dir, wanted):
    with open(os.path.join(data_dir, 'labels.json')) as fh:
        labels = json.load(fh)
    sub = [c.split('/', 1)[1] for c in labels['classes']]
    if wanted == ['all']:
        wanted = sub
    missing = [w for w in wanted if w not in sub]
    if missing:
        raise SystemExit(f'unknown subcategories {missing}; labels.json has {sub}')
    keep_idx = [sub.index(w) for w in wanted]
    image_idx, image_cls = [], []
    for i, lab in enumerate(labels['images']):
        if lab['class'] in keep_idx:
            image_idx.append(i)
            image_cls.append(keep_idx.index(lab['class']))
    return list(wanted), np.array(image_idx), np.array(image_cls)


def make_G(a, n_classes):
    cfg = BigGANConfig(output_dim=a.resolution, z_dim=a.z_dim, class_embed_dim=a.z_dim,
                       channel_width=a.g_channels, num_classes=n_classes, layers=G_LAYERS[a.resolution],
                       attention_layer_position=a.attention_layer, eps=1e-4, n_stats=51)
    return BigGAN(cfg)


def make_D(a, n_classes):
    return ProjectionDiscriminator(a.resolution, d_channels(a), n_classes)


class Trainer(GANTrainer):
    def __init__(self, args, log):
        super().__init__(args, log)
        self.class_names, idx, cls = load_classes(os.path.dirname(args.data), args.classes)
        self.data = load_data(args.data, args.resolution)[torch.from_numpy(idx)]
        self.labels = torch.from_numpy(cls)
        self.n_classes = len(self.class_names)
        self.G = make_G(args, self.n_classes).train()
        ortho_init(self.G)
        self.D = make_D(args, self.n_classes).train()
        self.G_ema = copy.deepcopy(self.G).eval()
        self.make_optimizers()
        # Sample grid: one row per class, the same 8 latents in every row.
        self.sample_z = torch.from_numpy(np.random.RandomState(12345).randn(8, args.z_dim).clip(-2, 2)).float()

    def make_optimizers(self):
        a = self.args
        self.optG = torch.optim.Adam(self.G.parameters(), lr=a.g_lr, betas=(0, 0.999), eps=1e-6)
        self.optD = lazy_r1_adam(self.D.parameters(), a.d_lr, a.r1_interval)

    def one_hot(self, labels):
        return F.one_hot(labels, self.n_classes).float()

    # -- state ----------------------------------------------------------------------------------
    def export_G(self):
        """G_ema ready for export: spectral-norm vectors refreshed for the averaged weights,
        standing statistics for the 51 truncation rows (classes drawn like the training data)."""
        G = copy.deepcopy(self.G_ema).eval()
        G.power_iterate(self.args.export_power_iterations)
        labels = self.labels.numpy()
        G.compute_standing_stats(lambda rng, n: self.one_hot(torch.from_numpy(labels[rng.randint(0, len(labels), n)])),
                                 samples=self.args.standing_samples, batch=64, seed=self.step)
        return G

    def train_info(self):
        a = self.args
        return dict(dataset=os.path.relpath(a.data, REPO_DIR),
                    classes=self.class_names, images=len(self.data), resolution=a.resolution,
                    step=self.step, kimg=round(self.nimg / 1000, 2), batch=a.batch, g_lr=a.g_lr, d_lr=a.d_lr,
                    r1_gamma=a.r1_gamma, recipe='non-saturating logistic, lazy R1, DiffAugment '
                    'colour+translation+cutout, x-flips, projection D, orthogonal init, G_ema ramp, '
                    'standing batch-norm statistics per truncation row')

    def common_state(self):
        return dict(step=self.step, nimg=self.nimg, kimg=self.nimg / 1000, config=self.G.config.to_dict(),
                    D_kwargs=self.D.kwargs(), class_names=self.class_names, args=vars(self.args),
                    train_info=self.train_info(), license=LICENSE, attribution=ATTRIBUTION)

    def full_state(self, G_export):
        return dict(kind='full', **self.common_state(), G=self.G.state_dict(), G_ema_live=self.G_ema.state_dict(),
                    G_ema=G_export.state_dict(), D=self.D.state_dict(), **self.optimizer_state())

    def compact_state(self, G_export):
        return dict(kind='compact', **self.common_state(), G=half_state(self.G.state_dict()),
                    G_ema=half_state(G_export.state_dict()), D=half_state(self.D.state_dict()))

    def load(self, path):
        ck = load_torch_file(path)  # no code from the file runs (safe_load.py)
        if ck['class_names'] != self.class_names or ck['config'] != self.G.config.to_dict():
            raise SystemExit(f'{path} was trained with other classes or another architecture: '
                             f'{ck["class_names"]} {ck["config"]}')
        self.G.load_state_dict(float_state(ck['G']))
        self.G_ema.load_state_dict(float_state(ck.get('G_ema_live', ck['G_ema'])))
        self.D.load_state_dict(float_state(ck['D']))
        self.restore_progress(ck)
        self.log(f'resumed from {path} ({ck.get("kind")}): step {self.step}, {self.nimg / 1000:.1f} kimg')

    # -- training -------------------------------------------------------------------------------
    def real_batch(self):
        idx = self.rng.randint(0, len(self.data), self.args.batch)
        x = self.data[idx]
        flip = torch.from_numpy(self.rng.rand(self.args.batch) < 0.5)
        return torch.where(flip.reshape(-1, 1, 1, 1), x.flip(3), x), self.one_hot(self.labels[idx])

    def fake_classes(self, n):
        # Classes in their training proportions, so D sees fakes and reals of a class equally often.
        return self.one_hot(self.labels[torch.from_numpy(self.rng.randint(0, len(self.labels), n))])

    def generate(self, n):
        c = self.fake_classes(n)
        z = torch.randn(n, self.args.z_dim)
        return self.G(z, c, 1.0), c

    def gamma(self):
        return self.args.r1_gamma

    def discriminate(self, img, c):
        return self.D(img, c)

    def progress_line(self, lg, ld, r1, sps):
        return f'step {self.step} kimg {self.nimg / 1000:.2f} G {lg:.3f} D {ld:.3f} r1 {r1:.4f} {sps:.2f} s/step'

    def describe(self):
        return (f'classes {self.class_names}: {len(self.data)} images; {self.params_summary()}, '
                f'resolution {self.args.resolution}')

    def snapshot(self, compact_path):
        t0 = time.time()
        G_export = self.export_G()
        k = self.n_classes
        with torch.no_grad():
            z = self.sample_z.repeat(k, 1)
            c = self.one_hot(torch.arange(k).repeat_interleave(len(self.sample_z)))
            imgs = G_export(z, c, 1.0).clamp(-1, 1).numpy()
        self.save_snapshot(imgs, len(self.sample_z), self.full_state(G_export), self.compact_state(G_export),
                           compact_path)
        self.log(f'checkpoint at step {self.step} ({self.nimg / 1000:.1f} kimg, {time.time() - t0:.0f} s): '
                 f'{self.run_dir}/ckpt.pt, {compact_path} ({os.path.getsize(compact_path) / 1e6:.1f} MB)')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_name_arguments(ap, 'emoji-biggan32')
    ap.add_argument('--classes', nargs='+', default=list(DEFAULT_CLASSES),
                    help="subcategories to train on ('all' for every one)")
    ap.add_argument('--resolution', type=int, default=32, choices=sorted(G_LAYERS))
    ap.add_argument('--kimg', type=float, default=400, help='stop after this many thousand images')
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--g-lr', type=float, default=2e-4)
    ap.add_argument('--d-lr', type=float, default=0.0025, help='equalised-lr D')
    ap.add_argument('--r1-gamma', type=float, default=0.05)
    ap.add_argument('--r1-interval', type=int, default=16)
    ap.add_argument('--ema-kimg', type=float, default=10)
    ap.add_argument('--ema-rampup', type=float, default=0.05)
    ap.add_argument('--z-dim', type=int, default=64)
    ap.add_argument('--g-channels', type=int, default=16, help='channel_width of the BigGAN config')
    ap.add_argument('--attention-layer', type=int, default=4, help='attention_layer_position (4: at 16 px)')
    ap.add_argument('--d-channel-base', type=int, default=1024)
    ap.add_argument('--d-channel-max', type=int, default=128)
    ap.add_argument('--standing-samples', type=int, default=64, help='per truncation row, at each checkpoint')
    ap.add_argument('--export-power-iterations', type=int, default=10)
    add_run_arguments(ap, os.path.join(TOOLS_DIR, 'checkpoints', 'emoji-biggan.pt'))
    run(ap.parse_args(), Trainer)


if __name__ == '__main__':
    main()
