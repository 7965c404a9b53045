"""What train_stylegan.py and train_biggan.py share: the recipe's pieces and the run around them.

* The discriminator's building blocks (equalised-lr conv / linear, residual block, minibatch
  standard deviation) and DiffAugment-style augmentation, applied to real and fake alike.
* `GANTrainer`: one G/D step (non-saturating logistic loss, lazy R1 on the real pass), the
  G_ema ramp, checkpoint state (optimisers and both RNG streams), the sample grid and checkpoint
  writing, and the training loop with its timing and periodic checkpoints. A subclass says how
  fakes are generated, how D is called and what a checkpoint holds.
* The command-line options both scripts take, and the run's log.

The order of every random draw is part of the checkpoint format: a resumed run continues the
stream where it stopped, so changes here must keep the draws (and the maths) as they are.
"""
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from pngio import grid, write_png

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(os.path.dirname(TOOLS_DIR))
SQRT2 = float(np.sqrt(2))
LICENSE = 'CC-BY-4.0'


def attribution(script):
    """The attribution stored in the checkpoints (and exported manifests) of models/tools/`script`."""
    return (f'Trained with Latent Studio (models/tools/{script}) on emoji images: Noto Emoji '
            '(Copyright Google Inc., Apache License 2.0) and Twemoji (Copyright Twitter, Inc. and '
            'other contributors, CC-BY 4.0), taken from the npm packages emoji-datasource-google '
            'and emoji-datasource-twitter.')


# ---------------------------------------------------------------------------------------------
# Discriminator blocks: equalised lr (weights N(0,1), scaled at run time) so that one Adam lr
# suits every layer, as in the generators.

class EqConv(torch.nn.Module):
    """Equalised-lr convolution, optionally after a 2x box-filter downsampling, with lrelu x sqrt 2."""

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
    """Equalised-lr dense layer with lrelu x sqrt 2 (or linear)."""

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
    """Residual block halving the resolution: two 3x3 convs beside a 1x1 skip."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv0 = EqConv(cin, cin, 3)
        self.conv1 = EqConv(cin, cout, 3, down=True)
        self.skip = EqConv(cin, cout, 1, act=False, bias=False, down=True)

    def forward(self, x):
        return (self.skip(x) + self.conv1(self.conv0(x))) * np.sqrt(0.5)


def minibatch_stddev(x, group):
    """x with one more channel: the mean standard deviation over groups of `group` samples (fewer
    where the batch does not divide), which lets D see the diversity of a batch."""
    n, c, h, w = x.shape
    g = min(group, n)
    while n % g:
        g -= 1
    y = x.reshape(g, -1, c, h, w)
    y = (y - y.mean(0)).square().mean(0).add(1e-8).sqrt().mean([1, 2, 3])
    y = y.reshape(-1, 1, 1, 1).repeat(g, 1, h, w)
    return torch.cat([x, y], 1)


def d_channels(args):
    """D's channels per resolution 4..128 from --d-channel-base / --d-channel-max."""
    return {r: min(args.d_channel_base // r, args.d_channel_max) for r in [2 ** i for i in range(2, 8)]}


def augment(x, translation=0.125, cutout=0.5):
    """DiffAugment-style differentiable augmentation: colour, translation, cutout."""
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


def load_data(path, resolution):
    """emoji_dataset.py's images.npy (uint8 [N, 3, 64, 64]) as [-1, 1] floats, area-downsampled
    to `resolution`."""
    imgs = np.load(path)
    x = torch.from_numpy(imgs).float() / 127.5 - 1
    while x.shape[-1] > resolution:
        x = F.avg_pool2d(x, 2)
    return x


# ---------------------------------------------------------------------------------------------
# State dicts and optimisers.

def half_state(sd):
    """A state dict with its floating-point tensors in fp16 (compact checkpoints)."""
    return {k: v.half() if v.is_floating_point() else v for k, v in sd.items()}


def float_state(sd):
    """A stored (possibly fp16) state dict as float32, ready for load_state_dict."""
    return {k: v.float() for k, v in sd.items()}


def lazy_r1_adam(params, lr, r1_interval):
    """D's Adam(0, 0.99) under lazy regularisation: R1 runs every r1_interval steps with its weight
    scaled by the interval, and the official code compensates lr and betas by
    interval / (interval + 1)."""
    ratio = r1_interval / (r1_interval + 1)
    return torch.optim.Adam(params, lr=lr * ratio, betas=(0, 0.99 ** ratio), eps=1e-8)


# ---------------------------------------------------------------------------------------------

class GANTrainer:
    """The training step, G_ema, checkpoint state and loop shared by the two trainers.

    A subclass sets G, G_ema, D (and calls make_optimizers) in its constructor and provides:
    make_optimizers() (optG, optD), generate(n) -> (images, labels), real_batch() -> (images,
    labels), discriminate(images, labels) -> logits, gamma() (the R1 weight), load(path),
    snapshot(compact_path), describe() (the setup line of the log) and progress_line(loss_G,
    loss_D, r1, seconds_per_step); labels is whatever discriminate takes (None for an
    unconditional D). before_step() and timing_note() are optional."""

    def __init__(self, args, log):
        self.args = args
        self.log = log
        self.run_dir = os.path.join(TOOLS_DIR, 'runs', args.name)
        self.step = 0
        self.nimg = 0
        self.rng = np.random.RandomState(args.seed)
        torch.manual_seed(args.seed)

    # -- state ----------------------------------------------------------------------------------
    def optimizer_state(self):
        """The part of a full checkpoint that only a resumed run needs: Adam and both RNG streams."""
        return dict(optG=self.optG.state_dict(), optD=self.optD.state_dict(),
                    torch_rng=torch.get_rng_state(), np_rng=self.rng.get_state())

    def restore_progress(self, ck):
        """After the weights are loaded: fresh optimisers, the step counters, and from a full
        checkpoint Adam's state and the RNG streams (a compact one restarts Adam)."""
        self.make_optimizers()
        self.step, self.nimg = ck['step'], ck['nimg']
        if ck.get('kind') == 'full':
            self.optG.load_state_dict(ck['optG'])
            self.optD.load_state_dict(ck['optD'])
            torch.set_rng_state(ck['torch_rng'])
            self.rng.set_state(ck['np_rng'])

    def save_snapshot(self, imgs, cols, full, compact, compact_path):
        """samples_<step>.png and samples_latest.png (imgs [N, 3, R, R] in [-1, 1] as a grid of
        `cols` columns, upscaled to at least 128 px per image), then runs/<name>/ckpt.pt and the
        compact checkpoint, each written to a .tmp and renamed so that an interrupted write never
        replaces a good checkpoint."""
        os.makedirs(self.run_dir, exist_ok=True)
        g = grid(imgs, cols)
        scale = max(1, 128 // int(imgs.shape[-1]))
        g = np.kron(g, np.ones((scale, scale, 1), np.uint8))
        write_png(os.path.join(self.run_dir, f'samples_{self.step:06d}.png'), g)
        write_png(os.path.join(self.run_dir, 'samples_latest.png'), g)
        tmp = os.path.join(self.run_dir, 'ckpt.pt.tmp')
        torch.save(full, tmp)
        os.replace(tmp, os.path.join(self.run_dir, 'ckpt.pt'))
        os.makedirs(os.path.dirname(compact_path), exist_ok=True)
        torch.save(compact, compact_path + '.tmp')
        os.replace(compact_path + '.tmp', compact_path)

    def params_summary(self):
        """'G params … M, D params … M' for the setup line."""
        return (f'G params {sum(p.numel() for p in self.G.parameters()) / 1e6:.2f} M, '
                f'D params {sum(p.numel() for p in self.D.parameters()) / 1e6:.2f} M')

    # -- training -------------------------------------------------------------------------------
    def train_step(self):
        """One G step and one D step (+ lazy R1 on the same real pass), then G_ema.
        Returns (loss_G, loss_D, r1) as floats."""
        a = self.args
        G, D = self.G, self.D
        # Generator: non-saturating logistic loss.
        G.requires_grad_(True)
        D.requires_grad_(False)
        fake, labels = self.generate(a.batch)
        loss_G = F.softplus(-self.discriminate(augment(fake), labels)).mean()
        self.optG.zero_grad(set_to_none=True)
        loss_G.backward()
        self.optG.step()
        # Discriminator.
        G.requires_grad_(False)
        D.requires_grad_(True)
        with torch.no_grad():
            fake, labels_fake = self.generate(a.batch)
        real, labels_real = self.real_batch()
        do_r1 = self.step % a.r1_interval == 0
        real.requires_grad_(do_r1)
        logits_real = self.discriminate(augment(real), labels_real)
        loss_D = (F.softplus(self.discriminate(augment(fake), labels_fake)).mean()
                  + F.softplus(-logits_real).mean())
        r1 = torch.zeros(())
        if do_r1:
            (grad,) = torch.autograd.grad(logits_real.sum(), real, create_graph=True)
            r1 = grad.square().sum([1, 2, 3]).mean()
            loss_D = loss_D + r1 * (self.gamma() / 2) * a.r1_interval
        self.optD.zero_grad(set_to_none=True)
        loss_D.backward()
        self.optD.step()
        self.nimg += a.batch
        self.step += 1
        self.update_ema()
        return float(loss_G), float(loss_D), float(r1)

    def update_ema(self):
        """G_ema with the official ramp: the averaging window grows with the images seen."""
        a = self.args
        ema_nimg = min(a.ema_kimg * 1000, self.nimg * a.ema_rampup)
        beta = 0.5 ** (a.batch / max(ema_nimg, 1e-8))
        with torch.no_grad():
            for pe, p in zip(self.G_ema.parameters(), self.G.parameters()):
                pe.copy_(p.lerp(pe, beta))
            for be, b in zip(self.G_ema.buffers(), self.G.buffers()):
                be.copy_(b)

    def before_step(self):
        """Hook run before every step; True restarts the step timing (a new phase began)."""
        return False

    def timing_note(self):
        """Appended to the final timing line."""
        return ''

    def fit(self):
        """Train until --kimg (or --max-steps), logging progress and checkpointing every
        --ckpt-minutes and at the end (unless --no-save)."""
        a = self.args
        last_ckpt = time.time()
        t0, steps0 = time.time(), self.step
        while self.nimg < a.kimg * 1000 and (a.max_steps is None or self.step - steps0 < a.max_steps):
            if self.before_step():
                t0, steps0 = time.time(), self.step
            lg, ld, r1 = self.train_step()
            if self.step % 25 == 0 or self.step - steps0 <= 3:
                self.log(self.progress_line(lg, ld, r1, (time.time() - t0) / max(1, self.step - steps0)))
            if not a.no_save and time.time() - last_ckpt > a.ckpt_minutes * 60:
                self.snapshot(a.compact)
                last_ckpt = time.time()
        self.log(f'{(time.time() - t0) / max(1, self.step - steps0):.2f} s/step over the last '
                 f'{self.step - steps0} steps{self.timing_note()}')
        if not a.no_save:
            self.snapshot(a.compact)
        self.log('done')


# ---------------------------------------------------------------------------------------------
# Command line and run.

def add_run_name_arguments(ap, name):
    """--name (the run folder runs/<name>; an absolute path is used as it is) and --data."""
    ap.add_argument('--name', default=name)
    ap.add_argument('--data', default=os.path.join(TOOLS_DIR, 'data', 'emoji-smileys', 'images.npy'))


def add_run_arguments(ap, compact):
    """--seed, --threads, checkpointing (--ckpt-minutes, --compact, --resume) and the options of
    short timing runs (--max-steps, --no-save)."""
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1, help='torch threads (leave a core to the team)')
    ap.add_argument('--ckpt-minutes', type=float, default=5)
    ap.add_argument('--compact', default=compact)
    ap.add_argument('--resume', default=None, help='full (runs/<name>/ckpt.pt) or compact checkpoint')
    ap.add_argument('--max-steps', type=int, default=None, help='stop after this many steps (timing runs)')
    ap.add_argument('--no-save', action='store_true', help='do not write checkpoints (timing runs)')


def run(args, make_trainer):
    """Build the trainer (make_trainer(args, log)), resume if asked, log the setup and train.
    The log goes to stdout and runs/<name>/train.log."""
    torch.set_num_threads(args.threads)
    run_dir = os.path.join(TOOLS_DIR, 'runs', args.name)
    os.makedirs(run_dir, exist_ok=True)
    log_path = os.path.join(run_dir, 'train.log')

    def log(msg):
        line = f'[{time.strftime("%Y-%m-%d %H:%M:%S")}] {msg}'
        print(line, flush=True)
        with open(log_path, 'a') as fh:
            fh.write(line + '\n')

    t = make_trainer(args, log)
    if args.resume:
        t.load(args.resume)
    log(f'args {json.dumps(vars(args))}')
    log(t.describe())
    t.fit()
