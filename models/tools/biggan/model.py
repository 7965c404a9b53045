"""BigGAN-deep generator in the huggingface pytorch-pretrained-BigGAN format, written for export.

Module tree, parameter and buffer names, shapes and `config.json` keys are those of
`pytorch_pretrained_biggan` (model.py / config.py), so the published `pytorch_model.bin` of
biggan-deep-128/256/512 loads with `load_state_dict(strict=True)`:

  embeddings.weight                                   [z_dim, num_classes]   (no spectral norm)
  generator.gen_z.{weight_orig,weight_u,weight_v,bias}                        (spectral norm)
  generator.layers.<i>.bn_<k>.{running_means,running_vars}                    [n_stats, C]
  generator.layers.<i>.bn_<k>.{scale,offset}.{weight_orig,weight_u,weight_v}
  generator.layers.<i>.conv_<k>.{weight_orig,weight_u,weight_v,bias}
  generator.layers.<a>.{snconv1x1_theta,snconv1x1_phi,snconv1x1_g,snconv1x1_o_conv}.*, gamma
  generator.bn.{running_means,running_vars,weight,bias}
  generator.conv_to_rgb.{weight_orig,weight_u,weight_v,bias}

where the self-attention block sits at list index `attention_layer_position` (the GenBlocks after
it are shifted by one), as in the reference.

It computes the reference function, with these choices for ONNX and onnxruntime-web:

* Spectral norm is torch.nn.utils.spectral_norm (hence the official names). `fold_for_export()`
  removes it after eval(): each weight becomes weight_orig / (u . W v) with the stored u and v,
  exactly what the reference computes at eval time, so the graph holds plain weights. It also cuts
  conv_to_rgb down to the 3 output channels the reference keeps.
* The truncation is a tensor. The reference picks its batch-norm statistics with
  `coef, start = modf(truncation / step)` (step = 1 / (n_stats - 1)) and mixes
  `means[start] * coef + means[start + 1] * (1 - coef)` -- note the weights: the lower row gets
  `coef` -- or takes `means[start]` alone when coef == 0. `truncation_weights()` builds that
  mixture as a [1, n_stats] row vector with tensor ops, and every batch norm takes
  `weights @ running_means` (one small MatMul instead of a data-dependent Gather).
* The class input is a float vector (one-hot or any blend) times the embedding, as in the
  reference's `nn.Linear(num_classes, z_dim, bias=False)`.

For training (train_biggan.py) the batch norms use batch statistics in train mode, and
`compute_standing_stats()` fills the n_stats rows afterwards the way BigGAN's were made: batch
statistics of the generator fed z = psi * truncnorm(-2, 2), one row per psi = row / (n_stats - 1).
"""
import copy
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.spectral_norm import SpectralNorm

from safe_load import load_torch_file  # models/tools is on sys.path for every user of this package

CONFIG_NAME = 'config.json'
WEIGHTS_NAME = 'pytorch_model.bin'

# The published BigGAN-deep layer lists: (upsample, in multiplier, out multiplier) of channel_width.
_DEEP_LAYERS = {
    128: [(False, 16, 16), (True, 16, 16), (False, 16, 16), (True, 16, 8), (False, 8, 8),
          (True, 8, 4), (False, 4, 4), (True, 4, 2), (False, 2, 2), (True, 2, 1)],
    256: [(False, 16, 16), (True, 16, 16), (False, 16, 16), (True, 16, 8), (False, 8, 8),
          (True, 8, 8), (False, 8, 8), (True, 8, 4), (False, 4, 4), (True, 4, 2), (False, 2, 2),
          (True, 2, 1)],
    512: [(False, 16, 16), (True, 16, 16), (False, 16, 16), (True, 16, 8), (False, 8, 8),
          (True, 8, 8), (False, 8, 8), (True, 8, 4), (False, 4, 4), (True, 4, 2), (False, 2, 2),
          (True, 2, 1), (False, 1, 1), (True, 1, 1)],
}

# A truncation within this distance (in units of rows) of a row is that row. The reference divides
# a float64 truncation (0.7 / 0.02 == 35.0 exactly); the graph sees float32(0.7) = 0.69999999,
# 34.9999994 rows, which it must not read as "almost all of row 34".
_ROW_SNAP = 1e-5


class BigGANConfig:
    """The keys of pytorch_pretrained_biggan's config.json, with its defaults (biggan-deep-128)."""

    KEYS = ('output_dim', 'z_dim', 'class_embed_dim', 'channel_width', 'num_classes', 'layers',
            'attention_layer_position', 'eps', 'n_stats')

    def __init__(self, output_dim=128, z_dim=128, class_embed_dim=128, channel_width=128,
                 num_classes=1000, layers=None, attention_layer_position=8, eps=1e-4, n_stats=51):
        self.output_dim = output_dim
        self.z_dim = z_dim
        self.class_embed_dim = class_embed_dim  # stored by the reference, unused by its network
        self.channel_width = channel_width
        self.num_classes = num_classes
        self.layers = [tuple(layer) for layer in (layers if layers is not None else _DEEP_LAYERS[128])]
        self.attention_layer_position = attention_layer_position
        self.eps = eps
        self.n_stats = n_stats

    @classmethod
    def deep(cls, resolution, **overrides):
        """The published biggan-deep-<resolution> configuration (128, 256 or 512)."""
        if resolution not in _DEEP_LAYERS:
            raise ValueError(f'BigGAN-deep comes in 128, 256 and 512 px, not {resolution}')
        kw = dict(output_dim=resolution, layers=_DEEP_LAYERS[resolution])
        kw.update(overrides)
        return cls(**kw)

    @classmethod
    def from_dict(cls, d):
        unknown = set(d) - set(cls.KEYS)
        if unknown:
            raise ValueError(f'config.json has keys a BigGAN config does not know: {sorted(unknown)}')
        return cls(**d)

    @classmethod
    def from_json_file(cls, path):
        with open(path, encoding='utf-8') as fh:
            return cls.from_dict(json.load(fh))

    def to_dict(self):
        d = {k: copy.deepcopy(getattr(self, k)) for k in self.KEYS}
        d['layers'] = [list(layer) for layer in self.layers]
        return d

    def to_json_string(self):
        # The reference writes sorted keys, indent 2, trailing newline.
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + '\n'

    def resolution_at(self, index):
        """Feature-map size at the input of layers[index] (4 px doubles at every upsampling block)."""
        return 4 * 2 ** sum(1 for up, _, _ in self.layers[:index] if up)

    def check(self):
        if self.layers[0][1] != 16:
            raise ValueError('layers[0] must take 16 x channel_width channels: gen_z makes 4x4x(16 x channel_width)')
        if self.resolution_at(len(self.layers)) != self.output_dim:
            raise ValueError(f'the layers upsample 4 px to {self.resolution_at(len(self.layers))} px, '
                             f'but output_dim is {self.output_dim}')
        for up, cin, cout in self.layers:
            if cin != cout and cin != 2 * cout:
                raise ValueError(f'a GenBlock can keep or halve its channels, not go {cin} -> {cout}')


def _sn(module, eps):
    return nn.utils.spectral_norm(module, eps=eps)


def truncation_weights(truncation, n_stats):
    """The reference's mixture of batch-norm statistic rows for a truncation, as a [1, n_stats]
    float tensor built from tensor ops (traceable; ONNX: Clip, Mul, Floor, Where, Equal).

    Row r stands for truncation r / (n_stats - 1). With x = truncation * (n_stats - 1) =
    start + coef, the reference weights row `start` by coef and row `start + 1` by 1 - coef; a
    whole x takes row x alone. Truncation is clamped to [0, 1] (the reference asserts 0 < t <= 1).
    """
    if not torch.is_tensor(truncation):  # a Python float; a tensor must stay an input when traced
        truncation = torch.tensor([float(truncation)])
    t = truncation.to(torch.float32).reshape(-1)[:1].clamp(0.0, 1.0)
    x = t * float(n_stats - 1)
    floor = torch.floor(x)
    nearest = torch.floor(x + 0.5)
    on_row = (x - nearest).abs() <= _ROW_SNAP
    start = torch.where(on_row, nearest, floor)
    coef = x - floor
    w_start = torch.where(on_row, torch.ones_like(coef), coef)
    w_next = torch.where(on_row, torch.zeros_like(coef), 1.0 - coef)
    rows = torch.arange(n_stats, dtype=torch.float32).reshape(1, n_stats)
    start = start.reshape(1, 1)
    return (rows == start).float() * w_start.reshape(1, 1) + (rows == start + 1).float() * w_next.reshape(1, 1)


class SelfAttn(nn.Module):
    """SAGAN self-attention: theta/phi/g 1x1 convs, phi and g max-pooled by 2, out = x + gamma * o."""

    def __init__(self, in_channels, eps, resolution=None):
        super().__init__()
        self.in_channels = in_channels
        # Known when built by Generator: shapes then trace as constants (static ONNX shapes).
        self.resolution = resolution
        c = in_channels
        self.snconv1x1_theta = _sn(nn.Conv2d(c, c // 8, 1, bias=False), eps)
        self.snconv1x1_phi = _sn(nn.Conv2d(c, c // 8, 1, bias=False), eps)
        self.snconv1x1_g = _sn(nn.Conv2d(c, c // 2, 1, bias=False), eps)
        self.snconv1x1_o_conv = _sn(nn.Conv2d(c // 2, c, 1, bias=False), eps)
        self.maxpool = nn.MaxPool2d(2, stride=2, padding=0)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        c = self.in_channels
        h, w = (self.resolution, self.resolution) if self.resolution else x.shape[2:]
        theta = self.snconv1x1_theta(x).flatten(2)                  # [N, c/8, hw]
        phi = self.maxpool(self.snconv1x1_phi(x)).flatten(2)        # [N, c/8, hw/4]
        attn = torch.softmax(torch.matmul(theta.transpose(1, 2), phi), dim=-1)  # [N, hw, hw/4]
        g = self.maxpool(self.snconv1x1_g(x)).flatten(2)            # [N, c/2, hw/4]
        o = torch.matmul(g, attn.transpose(1, 2)).reshape(-1, c // 2, h, w)
        return x + self.gamma * self.snconv1x1_o_conv(o)


class BigGANBatchNorm(nn.Module):
    """Batch norm with n_stats stored statistic rows (one per truncation) and, when conditional,
    a per-sample scale 1 + scale(cond) and offset offset(cond).

    Statistics: stored rows mixed by `stat_weights` in eval mode; the batch's own in train mode or
    while standing statistics are being collected (then they are also recorded)."""

    def __init__(self, num_features, condition_vector_dim=None, n_stats=51, eps=1e-4, conditional=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.conditional = conditional
        self.register_buffer('running_means', torch.zeros(n_stats, num_features))
        self.register_buffer('running_vars', torch.ones(n_stats, num_features))
        if conditional:
            self.scale = _sn(nn.Linear(condition_vector_dim, num_features, bias=False), eps)
            self.offset = _sn(nn.Linear(condition_vector_dim, num_features, bias=False), eps)
        else:
            self.weight = nn.Parameter(torch.ones(num_features))
            self.bias = nn.Parameter(torch.zeros(num_features))
        self.collected = None  # a list while compute_standing_stats() runs

    def forward(self, x, stat_weights, cond=None):
        if self.training or self.collected is not None:
            mean = x.mean((0, 2, 3))
            var = x.var((0, 2, 3), unbiased=False)
            if self.collected is not None:
                self.collected.append((mean.detach(), var.detach()))
        else:
            if stat_weights.dtype != self.running_means.dtype:  # a .double() verification copy
                stat_weights = stat_weights.to(self.running_means.dtype)
            mean = torch.matmul(stat_weights, self.running_means).reshape(-1)
            var = torch.matmul(stat_weights, self.running_vars).reshape(-1)
        if self.conditional:
            weight = 1 + self.scale(cond)
            bias = self.offset(cond)
        else:
            weight = self.weight.reshape(1, -1)
            bias = self.bias.reshape(1, -1)
        # (x - mean) / std * weight + bias, with the per-channel factors combined first: two
        # operations on the feature map instead of four (equal up to float rounding).
        gain = weight / torch.sqrt(var + self.eps)
        shift = bias - mean * gain
        return x * gain[:, :, None, None] + shift[:, :, None, None]


class GenBlock(nn.Module):
    """BigGAN-deep residual block: four BN-ReLU-conv steps (1x1 down to in/4 channels, 3x3, 3x3,
    1x1 up), nearest 2x upsampling before the first 3x3; the skip drops the upper half of the
    channels when the block halves them, and is upsampled likewise."""

    def __init__(self, in_size, out_size, condition_vector_dim, reduction_factor=4, up_sample=False,
                 n_stats=51, eps=1e-4):
        super().__init__()
        self.up_sample = up_sample
        self.drop_channels = in_size != out_size
        self.out_size = out_size
        mid = in_size // reduction_factor
        bn = lambda c: BigGANBatchNorm(c, condition_vector_dim, n_stats=n_stats, eps=eps)  # noqa: E731
        self.bn_0 = bn(in_size)
        self.conv_0 = _sn(nn.Conv2d(in_size, mid, 1), eps)
        self.bn_1 = bn(mid)
        self.conv_1 = _sn(nn.Conv2d(mid, mid, 3, padding=1), eps)
        self.bn_2 = bn(mid)
        self.conv_2 = _sn(nn.Conv2d(mid, mid, 3, padding=1), eps)
        self.bn_3 = bn(mid)
        self.conv_3 = _sn(nn.Conv2d(mid, out_size, 1), eps)
        self.relu = nn.ReLU()

    def forward(self, x, cond, stat_weights):
        x0 = x
        x = self.conv_0(self.relu(self.bn_0(x, stat_weights, cond)))
        x = self.relu(self.bn_1(x, stat_weights, cond))
        if self.up_sample:
            x = F.interpolate(x, scale_factor=2.0, mode='nearest')
        x = self.conv_1(x)
        x = self.conv_2(self.relu(self.bn_2(x, stat_weights, cond)))
        x = self.conv_3(self.relu(self.bn_3(x, stat_weights, cond)))
        if self.drop_channels:
            x0 = x0[:, :self.out_size]  # out_size == in_size // 2 (BigGANConfig.check)
        if self.up_sample:
            x0 = F.interpolate(x0, scale_factor=2.0, mode='nearest')
        return x + x0


class Generator(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        ch = config.channel_width
        cond_dim = config.z_dim * 2
        self.gen_z = _sn(nn.Linear(cond_dim, 4 * 4 * 16 * ch), config.eps)
        layers = []
        for i, (up, cin, cout) in enumerate(config.layers):
            if i == config.attention_layer_position:
                layers.append(SelfAttn(ch * cin, eps=config.eps, resolution=config.resolution_at(i)))
            layers.append(GenBlock(ch * cin, ch * cout, cond_dim, up_sample=up,
                                   n_stats=config.n_stats, eps=config.eps))
        self.layers = nn.ModuleList(layers)
        self.bn = BigGANBatchNorm(ch, n_stats=config.n_stats, eps=config.eps, conditional=False)
        self.relu = nn.ReLU()
        self.conv_to_rgb = _sn(nn.Conv2d(ch, ch, 3, padding=1), config.eps)
        self.tanh = nn.Tanh()

    def forward(self, cond, stat_weights):
        ch16 = 16 * self.config.channel_width
        # gen_z's outputs are laid out [4, 4, C] (TensorFlow order), as in the converted weights.
        x = self.gen_z(cond).reshape(-1, 4, 4, ch16).permute(0, 3, 1, 2)
        for layer in self.layers:
            x = layer(x, cond, stat_weights) if isinstance(layer, GenBlock) else layer(x)
        x = self.conv_to_rgb(self.relu(self.bn(x, stat_weights)))
        return self.tanh(x[:, :3])


class BigGAN(nn.Module):
    """z [N, z_dim] (already psi * truncnorm), class_vector [N, num_classes] float, truncation
    (float or tensor in [0, 1]) -> image [N, 3, output_dim, output_dim] in [-1, 1]."""

    def __init__(self, config):
        super().__init__()
        config.check()
        self.config = config
        self.embeddings = nn.Linear(config.num_classes, config.z_dim, bias=False)
        self.generator = Generator(config)

    # -- the official container format -----------------------------------------------------------
    @classmethod
    def from_pretrained(cls, folder):
        """Load `config.json` + `pytorch_model.bin` (a huggingface pytorch-pretrained-BigGAN
        folder), strictly: every official tensor must be present, nothing else."""
        for name in (CONFIG_NAME, WEIGHTS_NAME):
            if not os.path.isfile(os.path.join(folder, name)):
                raise FileNotFoundError(f'{os.path.join(folder, name)} is missing: a BigGAN checkpoint '
                                        f'folder holds {CONFIG_NAME} and {WEIGHTS_NAME}')
        model = cls(BigGANConfig.from_json_file(os.path.join(folder, CONFIG_NAME)))
        # Read without running code from the file: pytorch_model.bin is a pickle (safe_load.py).
        state = load_torch_file(os.path.join(folder, WEIGHTS_NAME))
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as e:
            raise RuntimeError(f'{os.path.join(folder, WEIGHTS_NAME)} does not fit the BigGAN-deep network '
                               f'that {CONFIG_NAME} describes: {e}') from e
        return model.eval()

    def save_pretrained(self, folder):
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, CONFIG_NAME), 'w', encoding='utf-8') as fh:
            fh.write(self.config.to_json_string())
        torch.save(self.state_dict(), os.path.join(folder, WEIGHTS_NAME))

    # -- forward ----------------------------------------------------------------------------------
    def forward(self, z, class_vector, truncation):
        stat_weights = truncation_weights(truncation, self.config.n_stats)
        cond = torch.cat([z, self.embeddings(class_vector)], dim=1)
        return self.generator(cond, stat_weights)

    def batch_norms(self):
        return [m for m in self.modules() if isinstance(m, BigGANBatchNorm)]

    # -- export -----------------------------------------------------------------------------------
    def fold_for_export(self):
        """A copy in eval mode with spectral norm removed (weights = weight_orig / sigma from the
        stored u, v -- the reference's eval-time weights) and conv_to_rgb cut to 3 outputs."""
        model = copy.deepcopy(self).eval()
        for module in model.modules():
            if hasattr(module, 'weight_orig'):
                nn.utils.remove_spectral_norm(module)
        old = model.generator.conv_to_rgb
        rgb = nn.Conv2d(old.in_channels, 3, 3, padding=1)
        with torch.no_grad():
            rgb.weight.copy_(old.weight[:3])
            rgb.bias.copy_(old.bias[:3])
        model.generator.conv_to_rgb = rgb
        return model.requires_grad_(False)

    # -- training support -------------------------------------------------------------------------
    @torch.no_grad()
    def power_iterate(self, steps):
        """Run `steps` spectral-norm power iterations on every layer without a forward pass, so
        that the stored u, v estimate the top singular vectors of the current weights (after an
        EMA update or a random initialisation)."""
        for module in self.modules():
            for hook in module._forward_pre_hooks.values():
                if isinstance(hook, SpectralNorm):
                    for _ in range(steps):
                        hook.compute_weight(module, do_power_iteration=True)

    @torch.no_grad()
    def compute_standing_stats(self, class_sampler, samples=256, batch=64, seed=0):
        """Fill running_means / running_vars: for row r, the mean over batches of the batch
        statistics the generator sees with z = (r / (n_stats - 1)) * truncnorm(-2, 2).

        class_sampler(rng, n) -> float tensor [n, num_classes] of class vectors."""
        was_training = self.training
        self.eval()
        bns = self.batch_norms()
        rng = np.random.RandomState(seed)
        n_stats = self.config.n_stats
        dummy = torch.zeros(1, n_stats)
        for row in range(n_stats):
            psi = row / (n_stats - 1)
            for bn in bns:
                bn.collected = []
            done = 0
            while done < samples:
                n = min(batch, samples - done)
                z = torch.from_numpy(truncated_noise_sample(n, self.config.z_dim, psi, rng))
                cond = torch.cat([z, self.embeddings(class_sampler(rng, n))], dim=1)
                self.generator(cond, dummy)
                done += n
            for bn in bns:
                means = torch.stack([m for m, _ in bn.collected])
                vars_ = torch.stack([v for _, v in bn.collected])
                bn.running_means[row] = means.mean(0)
                bn.running_vars[row] = vars_.mean(0)
                bn.collected = None
        self.train(was_training)


def truncated_noise_sample(batch_size, dim_z, truncation=1.0, seed_or_rng=None):
    """z as pytorch_pretrained_biggan's truncated_noise_sample draws it: scipy's
    truncnorm(-2, 2) with a numpy RandomState(seed), float32, times the truncation."""
    from scipy.stats import truncnorm
    rng = seed_or_rng if isinstance(seed_or_rng, np.random.RandomState) else (
        None if seed_or_rng is None else np.random.RandomState(seed_or_rng))
    values = truncnorm.rvs(-2, 2, size=(batch_size, dim_z), random_state=rng).astype(np.float32)
    return truncation * values
