"""StyleGAN2 generator, rebuilt so that it exports cleanly to ONNX.

The module tree, parameter names, buffer names and shapes are those of NVIDIA's StyleGAN2-ADA
`training/networks.py` Generator, so the `G_ema.state_dict()` of an official pickle loads into this
class with `load_state_dict(strict=True)`. The forward pass computes the same function, but is
written for export and for onnxruntime-web:

* Modulated convolutions are never fused into a grouped convolution (a slow path on WebGPU). We
  scale the activations by the styles, run one plain convolution with the shared weight and scale
  the result by the demodulation coefficients -- the official `fused_modconv=False` path. The
  demodulation coefficients come from a [N,I]x[I,O] matmul of squared styles and squared weights,
  which equals the official per-sample 5-D weight reduction without materialising it.
* The FIR resampling filters run as single-channel convolutions on a [N*C,1,H,W] view instead of
  upfirdn2d's custom op (or a depthwise convolution).
* Noise is either the stored `noise_const` buffers ('const'), absent ('none') or, for training
  only, drawn with torch.randn ('random'); exported graphs never contain RandomNormal. A caller can
  also pass the unit noise of each layer explicitly (`noise={'b8.conv0': tensor, ...}`); the
  exporter uses that to turn noise into graph inputs, so a runtime can feed const, zero or seeded
  noise times a strength.
* Everything is computed in float32. `num_fp16_res` is accepted and recorded only so official
  kwargs round-trip; official fp16 blocks differ from this only by rounding, and their
  pre-normalisation before demodulation cancels exactly. `conv_clamp` is applied where the official
  code applies it (every SynthesisLayer and ToRGBLayer, fp16 or not).

Random initialisation draws from torch's RNG in the same order as the official constructors, so
`torch.manual_seed(s)` followed by construction gives the official network's initial weights.
"""

import numpy as np
import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------
# Small functional helpers.

# Activation functions of the official bias_act op: (function, default gain).
_ACTIVATIONS = {
    'linear': (lambda x: x, 1.0),
    'relu': (F.relu, float(np.sqrt(2))),
    'lrelu': (lambda x: F.leaky_relu(x, 0.2), float(np.sqrt(2))),
    'tanh': (torch.tanh, 1.0),
    'sigmoid': (torch.sigmoid, 1.0),
    'elu': (F.elu, 1.0),
    'selu': (F.selu, 1.0),
    'softplus': (F.softplus, 1.0),
    'swish': (lambda x: torch.sigmoid(x) * x, float(np.sqrt(2))),
}


def activation_gain(act):
    return _ACTIVATIONS[act][1]


def bias_act(x, b=None, act='linear', gain=None, clamp=None):
    """Bias, activation, gain, clamp -- in the order of the official op (clamp comes last)."""
    if b is not None:
        x = x + b.reshape([1, -1] + [1] * (x.ndim - 2))
    fn, def_gain = _ACTIVATIONS[act]
    x = fn(x)
    gain = def_gain if gain is None else gain
    if gain != 1:
        x = x * gain
    if clamp is not None and clamp >= 0:
        x = x.clamp(-clamp, clamp)
    return x


def normalize_2nd_moment(x, dim=1, eps=1e-8):
    return x * (x.square().mean(dim=dim, keepdim=True) + eps).rsqrt()


def setup_filter(f):
    """A 1-D FIR kernel as the official setup_filter prepares it for these layers: the outer
    product with itself (the official code only keeps filters of 8+ taps separable), normalised to
    unit sum."""
    f = torch.as_tensor(f, dtype=torch.float32)
    if f.ndim == 0:
        f = f[None]
    if f.ndim == 1:
        f = torch.outer(f, f)
    return f / f.sum()


def _pad_or_crop(x, px0, px1, py0, py1):
    # F.pad accepts negative padding (a crop), which is what upfirdn2d does with negative pads.
    if px0 == px1 == py0 == py1 == 0:
        return x
    return F.pad(x, [px0, px1, py0, py1])


def per_channel_conv(x, kernel, stride=1, padding=0, transposed=False):
    """Run one 2-D kernel ([kh, kw] or [1, 1, kh, kw]) over every channel of x [N, C, H, W] (a
    per-channel (transposed) convolution, correlation as in nn conv). Both kernel shapes compute
    the same; they differ only in where the exported graph's Unsqueeze lands (before or after the
    input's Reshape), which keeps each generator's exported bytes as they were.

    When tracing for export: one single-channel Conv on a [N*C,1,H,W] view, ONNX-friendly and fast
    on WebGPU (no grouped or depthwise Conv in the graph). In PyTorch: a depthwise conv, because
    single-channel convs over a huge batch are ~20x slower on CPU. Same numbers either way."""
    C = int(x.shape[1])
    op = F.conv_transpose2d if transposed else F.conv2d
    if torch.jit.is_tracing():
        # Channel and spatial sizes are fixed by the architecture: as Python ints the traced
        # graph gets constant reshapes and only the batch axis stays dynamic.
        y = op(x.reshape(-1, 1, int(x.shape[2]), int(x.shape[3])), _conv_weight(kernel), stride=stride,
               padding=padding)
        return y.reshape(-1, C, int(y.shape[2]), int(y.shape[3]))
    return op(x, _conv_weight(kernel).repeat(C, 1, 1, 1), stride=stride, padding=padding, groups=C)


def _conv_weight(kernel):
    return kernel if kernel.ndim == 4 else kernel[None, None]


def fir_filter(x, f, padding, gain=1.0):
    """upfirdn2d with up=down=1: pad, then convolve every channel with the 2-D filter `f`
    (per_channel_conv). Official upfirdn2d flips the filter (true convolution) unless
    flip_filter is set; nn conv is correlation, hence the flip here."""
    px0, px1, py0, py1 = padding
    k = (f.flip([0, 1]) * gain).to(x.dtype)[None, None]
    if px0 == px1 and py0 == py1 and px0 >= 0 and py0 >= 0:
        return per_channel_conv(x, k, padding=[py0, px0])
    return per_channel_conv(_pad_or_crop(x, px0, px1, py0, py1), k)


def upsample2d(x, f, up=2):
    """Official upsample2d (zero-insertion, pad, FIR with gain up^2) as one transposed Conv.

    Transposed convolution with stride `up` is exactly zero insertion followed by a convolution,
    so the official padding [(fw+up-1)//2, (fw-up)//2] becomes transposed-conv padding fw-1-p0
    with the unflipped filter (derivation: match the output index of both forms)."""
    fh, fw = (int(v) for v in f.shape)
    assert fw == fh and fw % up == 0, 'square filters with a length divisible by `up` only'
    p0 = (fw + up - 1) // 2
    return per_channel_conv(x, (f * (up * up)).to(x.dtype)[None, None], stride=up, padding=fw - 1 - p0, transposed=True)


def conv2d(x, weight, padding=0):
    """F.conv2d, except that an exported graph never has a Conv whose input channels are not a
    multiple of 4: onnxruntime-web 1.30's WebGPU Conv returns wrong values for some of them
    (measured: input channels divisible by 3 but not 4 with output channels divisible by 4, e.g.
    27->16, 45->32, 6->8). Zero channels are appended to x and the weight, which changes nothing."""
    in_channels = int(weight.shape[1])
    extra = -in_channels % 4
    if not torch.jit.is_tracing() or extra == 0:
        return F.conv2d(x, weight, padding=padding)
    w = weight.detach().cpu().numpy()
    w = np.concatenate([w, np.zeros((w.shape[0], extra, *w.shape[2:]), w.dtype)], axis=1)
    x = F.pad(x, [0, 0, 0, 0, 0, extra])
    return F.conv2d(x, torch.from_numpy(w), padding=padding)


def _demod_matrix(weight):
    """sum over the kernel of weight^2, transposed to [in, out].

    When tracing for export it is baked in as a constant: the exporter's constant folding stops at
    ReduceSum and would otherwise store a second, squared copy of every conv weight."""
    if torch.jit.is_tracing():
        w = weight.detach().cpu().numpy().astype(np.float64)
        return torch.from_numpy(np.square(w).sum(axis=(2, 3)).T.astype(np.float32))
    return weight.square().sum(dim=[2, 3]).t()


def modulated_conv2d(x, weight, styles, noise=None, up=1, padding=0, resample_filter=None,
                     demodulate=True, input_gain=None):
    """The official modulated convolution, non-fused form (see the module docstring).

    With up=2 this follows conv2d_resample's 'transposed convolution followed by filter' path:
    the same padding bookkeeping, so borders match the official output exactly. `input_gain`
    (StyleGAN3) scales the input with the styles but not the demodulation."""
    out_channels, in_channels, kh, kw = (int(v) for v in weight.shape)
    x = x * (styles if input_gain is None else styles * input_gain).reshape(-1, in_channels, 1, 1)
    if up == 1:
        # Official flip_weight=True for up=1: plain correlation, same padding.
        x = conv2d(x, weight, padding=padding)
    else:
        fh, fw = (int(v) for v in resample_filter.shape)
        px0 = padding + (fw + up - 1) // 2 - (kw - 1)
        px1 = padding + (fw - up) // 2 - (kw - up)
        py0 = padding + (fh + up - 1) // 2 - (kh - 1)
        py1 = padding + (fh - up) // 2 - (kh - up)
        pxt = max(min(-px0, -px1), 0)
        pyt = max(min(-py0, -py1), 0)
        # Official up layers pass flip_weight=False, which the wrapper inverts for the transposed
        # conv: the weight is used unflipped, transposed to [in, out, kh, kw].
        x = F.conv_transpose2d(x, weight.transpose(0, 1), stride=up, padding=[pyt, pxt])
        x = fir_filter(x, resample_filter, [px0 + pxt, px1 + pxt, py0 + pyt, py1 + pyt], gain=up * up)
    if demodulate:
        # sum_{i,k} (w[o,i,k] * s[n,i])^2 == (s^2) @ (sum_k w^2)^T: same value, no [N,O,I,k,k] tensor.
        dcoefs = (styles.square() @ _demod_matrix(weight) + 1e-8).rsqrt()
        x = x * dcoefs.reshape(-1, out_channels, 1, 1)
    if noise is not None:
        x = x + noise
    return x


def torgb_style_gain(in_channels, kernel_size):
    """ToRGB is not demodulated, so equalised lr is applied to its styles instead: 1/sqrt(fan-in)."""
    return 1 / np.sqrt(in_channels * (kernel_size ** 2))


# ---------------------------------------------------------------------------------------------
# Layers.

class FullyConnectedLayer(torch.nn.Module):
    """Equalised-lr dense layer: weights stored at N(0, 1/lr_mul^2), scaled at run time."""

    def __init__(self, in_features, out_features, bias=True, activation='linear', lr_multiplier=1,
                 bias_init=0):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.activation = activation
        self.weight = torch.nn.Parameter(torch.randn([out_features, in_features]) / lr_multiplier)
        self.bias = torch.nn.Parameter(torch.full([out_features], np.float32(bias_init))) if bias else None
        self.weight_gain = lr_multiplier / np.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def effective_weight(self):
        return self.weight * self.weight_gain

    def effective_bias(self):
        if self.bias is None:
            return None
        return self.bias * self.bias_gain if self.bias_gain != 1 else self.bias

    def forward(self, x):
        x = x.matmul(self.effective_weight().t())
        return bias_act(x, self.effective_bias(), act=self.activation)


class MappingNetwork(torch.nn.Module):
    def __init__(self, z_dim, c_dim, w_dim, num_ws, num_layers=8, embed_features=None,
                 layer_features=None, activation='lrelu', lr_multiplier=0.01, w_avg_beta=0.995):
        super().__init__()
        self.z_dim = z_dim
        self.c_dim = c_dim
        self.w_dim = w_dim
        self.num_ws = num_ws
        self.num_layers = num_layers
        self.w_avg_beta = w_avg_beta
        if embed_features is None:
            embed_features = w_dim
        if c_dim == 0:
            embed_features = 0
        if layer_features is None:
            layer_features = w_dim
        features = [z_dim + embed_features] + [layer_features] * (num_layers - 1) + [w_dim]
        if c_dim > 0:
            self.embed = FullyConnectedLayer(c_dim, embed_features)
        for idx in range(num_layers):
            setattr(self, f'fc{idx}', FullyConnectedLayer(features[idx], features[idx + 1],
                                                          activation=activation,
                                                          lr_multiplier=lr_multiplier))
        if num_ws is not None and w_avg_beta is not None:
            self.register_buffer('w_avg', torch.zeros([w_dim]))

    def forward(self, z, c=None, truncation_psi=1, truncation_cutoff=None, skip_w_avg_update=False):
        x = None
        if self.z_dim > 0:
            # Only the direction of z matters: scaling z is a no-op (DESIGN §3).
            # The official code casts to float32; following the weights' dtype is the same for a
            # float32 network and lets a .double() copy compute the float64 verification reference.
            x = normalize_2nd_moment(z.to(self.fc0.weight.dtype))
        if self.c_dim > 0:
            y = normalize_2nd_moment(self.embed(c.to(self.embed.weight.dtype)))
            x = torch.cat([x, y], dim=1) if x is not None else y
        for idx in range(self.num_layers):
            x = getattr(self, f'fc{idx}')(x)
        if self.w_avg_beta is not None and self.training and not skip_w_avg_update:
            self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        if self.num_ws is not None:
            x = x.unsqueeze(1).repeat([1, self.num_ws, 1])
        if truncation_psi != 1:
            if self.num_ws is None or truncation_cutoff is None:
                x = self.w_avg.lerp(x, truncation_psi)
            else:
                x = x.clone()
                x[:, :truncation_cutoff] = self.w_avg.lerp(x[:, :truncation_cutoff], truncation_psi)
        return x


class SynthesisLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution, kernel_size=3, up=1,
                 use_noise=True, activation='lrelu', resample_filter=(1, 3, 3, 1), conv_clamp=None,
                 channels_last=False):
        super().__init__()
        self.in_channels = in_channels
        self.resolution = resolution
        self.up = up
        self.use_noise = use_noise
        self.activation = activation
        self.conv_clamp = conv_clamp
        self.register_buffer('resample_filter', setup_filter(list(resample_filter)))
        self.padding = kernel_size // 2
        self.act_gain = activation_gain(activation)
        # Creation order matters: it fixes the order of torch.randn draws (official init).
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = torch.nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        if use_noise:
            self.register_buffer('noise_const', torch.randn([resolution, resolution]))
            self.noise_strength = torch.nn.Parameter(torch.zeros([]))
        self.bias = torch.nn.Parameter(torch.zeros([out_channels]))

    def forward(self, x, w, noise_mode='const', gain=1, noise=None):
        """`noise`: optional unit noise [1 or N, 1, res, res] that replaces `noise_mode`; it is
        scaled by the learned noise_strength exactly like noise_const."""
        assert noise_mode in ('random', 'const', 'none')
        styles = self.affine(w)
        if noise is not None:
            noise = noise * self.noise_strength if self.use_noise else None
        elif self.use_noise and noise_mode == 'random':
            noise = torch.randn([x.shape[0], 1, self.resolution, self.resolution],
                                device=x.device) * self.noise_strength
        elif self.use_noise and noise_mode == 'const':
            noise = self.noise_const * self.noise_strength
        x = modulated_conv2d(x, self.weight, styles, noise=noise, up=self.up, padding=self.padding,
                             resample_filter=self.resample_filter)
        act_clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias, act=self.activation, gain=self.act_gain * gain, clamp=act_clamp)


class ToRGBLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, kernel_size=1, conv_clamp=None,
                 channels_last=False):
        super().__init__()
        self.in_channels = in_channels
        self.conv_clamp = conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = torch.nn.Parameter(torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        self.bias = torch.nn.Parameter(torch.zeros([out_channels]))
        self.weight_gain = torgb_style_gain(in_channels, kernel_size)

    def forward(self, x, w):
        styles = self.affine(w) * self.weight_gain
        # Official ToRGB passes no padding (it is 1x1 in every official config).
        x = modulated_conv2d(x, self.weight, styles, demodulate=False)
        return bias_act(x, self.bias, clamp=self.conv_clamp)


class SynthesisBlock(torch.nn.Module):
    def __init__(self, in_channels, out_channels, w_dim, resolution, img_channels, is_last,
                 architecture='skip', resample_filter=(1, 3, 3, 1), conv_clamp=None, use_fp16=False,
                 fp16_channels_last=False, fused_modconv_default=True, **layer_kwargs):
        # fused_modconv_default (stylegan3 repo's StyleGAN2) only picks a CUDA code path: accepted
        # so its kwargs round-trip; the function is the same.
        # 'resnet' needs Conv2dLayer skips and is not used by the models we ship.
        assert architecture in ('orig', 'skip'), f'architecture {architecture!r} is not supported'
        super().__init__()
        self.in_channels = in_channels
        self.w_dim = w_dim
        self.resolution = resolution
        self.img_channels = img_channels
        self.is_last = is_last
        self.architecture = architecture
        self.use_fp16 = use_fp16  # recorded only; we always compute in float32
        self.register_buffer('resample_filter', setup_filter(list(resample_filter)))
        self.num_conv = 0
        self.num_torgb = 0
        if in_channels == 0:
            self.const = torch.nn.Parameter(torch.randn([out_channels, resolution, resolution]))
        if in_channels != 0:
            self.conv0 = SynthesisLayer(in_channels, out_channels, w_dim=w_dim, resolution=resolution,
                                        up=2, resample_filter=resample_filter, conv_clamp=conv_clamp,
                                        **layer_kwargs)
            self.num_conv += 1
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim=w_dim, resolution=resolution,
                                    resample_filter=resample_filter, conv_clamp=conv_clamp,
                                    **layer_kwargs)
        self.num_conv += 1
        if is_last or architecture == 'skip':
            self.torgb = ToRGBLayer(out_channels, img_channels, w_dim=w_dim, conv_clamp=conv_clamp)
            self.num_torgb += 1

    def forward(self, x, img, ws, noise_mode='const', noise=None):
        """`noise`: optional {'conv0' | 'conv1': unit noise tensor}, see SynthesisLayer.forward."""
        noise = noise or {}
        w_iter = iter(ws.unbind(dim=1))
        if self.in_channels == 0:
            # The first layer's input is the learned constant; broadcasting it against the
            # batch-shaped styles replaces the official repeat (no batch-dependent Tile in ONNX).
            x = self.conv1(self.const.unsqueeze(0), next(w_iter), noise_mode=noise_mode,
                           noise=noise.get('conv1'))
        else:
            x = self.conv0(x, next(w_iter), noise_mode=noise_mode, noise=noise.get('conv0'))
            x = self.conv1(x, next(w_iter), noise_mode=noise_mode, noise=noise.get('conv1'))
        if img is not None:
            img = upsample2d(img, self.resample_filter)
        if self.is_last or self.architecture == 'skip':
            y = self.torgb(x, next(w_iter))
            img = img + y if img is not None else y
        return x, img


class SynthesisNetwork(torch.nn.Module):
    def __init__(self, w_dim, img_resolution, img_channels, channel_base=32768, channel_max=512,
                 num_fp16_res=0, **block_kwargs):
        assert img_resolution >= 4 and img_resolution & (img_resolution - 1) == 0
        super().__init__()
        self.w_dim = w_dim
        self.img_resolution = img_resolution
        self.img_resolution_log2 = int(np.log2(img_resolution))
        self.img_channels = img_channels
        self.block_resolutions = [2 ** i for i in range(2, self.img_resolution_log2 + 1)]
        self.channels_dict = {res: min(channel_base // res, channel_max) for res in self.block_resolutions}
        fp16_resolution = max(2 ** (self.img_resolution_log2 + 1 - num_fp16_res), 8)
        self.num_ws = 0
        for res in self.block_resolutions:
            in_channels = self.channels_dict[res // 2] if res > 4 else 0
            is_last = res == img_resolution
            block = SynthesisBlock(in_channels, self.channels_dict[res], w_dim=w_dim, resolution=res,
                                   img_channels=img_channels, is_last=is_last,
                                   use_fp16=(res >= fp16_resolution), **block_kwargs)
            self.num_ws += block.num_conv
            if is_last:
                self.num_ws += block.num_torgb
            setattr(self, f'b{res}', block)

    def ws_layers(self):
        """(name, module, ws index) of every layer that consumes a ws row, in graph order.

        A block's torgb reads the same row as the next block's conv0 (official indexing)."""
        out, w_idx = [], 0
        for res in self.block_resolutions:
            block = getattr(self, f'b{res}')
            idx = w_idx
            for name in ('conv0', 'conv1', 'torgb'):
                if hasattr(block, name):
                    out.append((f'b{res}.{name}', getattr(block, name), idx))
                    idx += 1
            w_idx += block.num_conv
        return out

    def noise_layers(self):
        """(name, layer) of every layer that adds noise, in graph order; `layer.resolution` is the
        size of its square noise map."""
        return [(name, layer) for name, layer, _ in self.ws_layers()
                if getattr(layer, 'use_noise', False)]

    def forward(self, ws, noise_mode='const', noise=None):
        """`noise`: optional {'b<res>.conv0|conv1': unit noise [1 or N, 1, res, res]}; the layers
        it names use it instead of `noise_mode` (see SynthesisLayer.forward)."""
        ws = ws.to(next(self.parameters()).dtype)  # float32, or float64 in a .double() reference copy
        x = img = None
        w_idx = 0
        for res in self.block_resolutions:
            block = getattr(self, f'b{res}')
            cur = ws.narrow(1, w_idx, block.num_conv + block.num_torgb)
            w_idx += block.num_conv
            block_noise = {k.split('.', 1)[1]: v for k, v in (noise or {}).items()
                           if k.split('.', 1)[0] == f'b{res}'}
            x, img = block(x, img, cur, noise_mode=noise_mode, noise=block_noise)
        return img


class GeneratorBase(torch.nn.Module):
    """What the StyleGAN2 and StyleGAN3 generators share: the official attributes, a synthesis
    network of `synthesis_class` and a MappingNetwork (`mapping_defaults` under the caller's
    mapping_kwargs)."""

    def __init__(self, z_dim, c_dim, w_dim, img_resolution, img_channels, mapping_kwargs,
                 synthesis_kwargs, synthesis_class, mapping_defaults=None):
        super().__init__()
        self.z_dim = z_dim
        self.c_dim = c_dim
        self.w_dim = w_dim
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        self.mapping_kwargs = dict(mapping_kwargs or {})
        self.synthesis_kwargs = dict(synthesis_kwargs or {})
        # Synthesis first, then mapping: the official construction (and randn) order.
        self.synthesis = synthesis_class(w_dim=w_dim, img_resolution=img_resolution,
                                         img_channels=img_channels, **self.synthesis_kwargs)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, num_ws=self.num_ws,
                                      **{**(mapping_defaults or {}), **self.mapping_kwargs})


class Generator(GeneratorBase):
    def __init__(self, z_dim, c_dim, w_dim, img_resolution, img_channels, mapping_kwargs=None,
                 synthesis_kwargs=None):
        super().__init__(z_dim, c_dim, w_dim, img_resolution, img_channels, mapping_kwargs,
                         synthesis_kwargs, SynthesisNetwork)

    def init_kwargs(self):
        return dict(z_dim=self.z_dim, c_dim=self.c_dim, w_dim=self.w_dim,
                    img_resolution=self.img_resolution, img_channels=self.img_channels,
                    mapping_kwargs=self.mapping_kwargs, synthesis_kwargs=self.synthesis_kwargs)

    def forward(self, z, c=None, truncation_psi=1, truncation_cutoff=None, noise_mode='const'):
        ws = self.mapping(z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)
        return self.synthesis(ws, noise_mode=noise_mode)


def ws_resolutions(num_ws, img_resolution):
    """Feature-map resolution of each ws row: 4·2^floor(i/2), capped at the output size
    (rows 0-3 are 'coarse' at 1024 px, matching the usual StyleGAN2 presets)."""
    return [min(4 * 2 ** (i // 2), img_resolution) for i in range(num_ws)]
