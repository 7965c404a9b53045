"""StyleGAN3 generator (configs T and R), rebuilt so that it exports cleanly to ONNX.

Module tree, parameter names, buffer names and shapes are those of NVIDIA's stylegan3
`training/networks_stylegan3.py` Generator, so an official `G_ema.state_dict()` loads into this
class with `load_state_dict(strict=True)`. The forward pass computes the same function (the
official code's CPU path, float32), written for export and for onnxruntime-web:

* The Fourier-feature input needs no `affine_grid` and no `grid_sample`: the official sampling grid
  is affine_grid of a diagonal matrix, i.e. the pixel-centre coordinates
  `(j + 0.5 - size / 2) / sampling_rate` along each axis, which we compute in closed form once.
  The per-sample rotation/translation (from ws[0]) and the user transform (`transform`, the
  official buffer, optionally a graph input) are applied to the frequencies and phases with plain
  element-wise ops instead of matrices assembled by indexed assignment.
* filtered_lrelu runs as its reference definition in plain ops: bias; upsampling as a transposed
  convolution with the up filter (zero insertion + FIR in one op) and a pad/crop; leaky ReLU, gain,
  clamp; the down filter as a strided convolution. Separable filters run as two 1-D passes. Every
  FIR op is a single-channel convolution on a [N*C, 1, H, W] view when tracing (no grouped or
  depthwise convolution in the exported graph) and a depthwise one in PyTorch (faster on CPU).
* Modulated convolutions are not fused: scale the activations by styles x input gain, run one plain
  convolution, scale by the demodulation coefficients from a [N,I]x[I,O] matmul. The official
  pre-normalisation of weight and styles before demodulation cancels exactly except for the 1e-8
  epsilon, so it is left out; it would also couple the samples of a batch (the official styles are
  normalised by one RMS over the whole batch).
* Everything is computed in float32 (as the official code does on CPU); `use_fp16` is recorded.

Filters are designed with numpy only (Kaiser-windowed sinc as scipy.signal.firwin, the jinc-based
radial filter with a quadrature Bessel J1), so scipy is not needed; loading a checkpoint replaces
them with the stored buffers anyway. Random initialisation draws from torch's RNG in the official
order.
"""

import numpy as np
import torch
import torch.nn.functional as F

from .networks import (FullyConnectedLayer, GeneratorBase, conv2d, modulated_conv2d, per_channel_conv,
                       torgb_style_gain)


# ---------------------------------------------------------------------------------------------
# Filter design (scipy.signal.firwin / kaiser_beta / kaiser_atten and scipy.special.j1 semantics).

def kaiser_atten(numtaps, width):
    """Attenuation (dB) of a Kaiser FIR filter; `width` is relative to Nyquist."""
    return 2.285 * (numtaps - 1) * np.pi * width + 7.95


def kaiser_beta(a):
    if a > 50:
        return 0.1102 * (a - 8.7)
    if a > 21:
        return 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21)
    return 0.0


def firwin_lowpass(numtaps, cutoff, width, fs):
    """Linear-phase low-pass FIR, Kaiser window chosen from the transition width, unit DC gain."""
    nyq = fs / 2
    c = cutoff / nyq
    m = np.arange(numtaps) - (numtaps - 1) / 2
    h = c * np.sinc(c * m)
    h = h * np.kaiser(numtaps, kaiser_beta(kaiser_atten(numtaps, width / nyq)))
    return h / h.sum()


def bessel_j1(x):
    """J1 by Bessel's integral J1(x) = 1/(2pi) * integral over a period of cos(t - x sin t): the
    rectangle rule on a periodic analytic integrand converges geometrically, so 512 nodes are exact
    to double precision for the |x| < 100 that filter design needs."""
    x = np.asarray(x, dtype=np.float64)
    t = (np.arange(512) + 0.5) * (2 * np.pi / 512) - np.pi
    return np.cos(t - x[..., None] * np.sin(t)).mean(axis=-1)


def design_lowpass_filter(numtaps, cutoff, width, fs, radial=False):
    """The official filter of a SynthesisLayer: None (identity) for one tap, a separable 1-D Kaiser
    low-pass, or a radially symmetric jinc low-pass with a separable Kaiser window."""
    assert numtaps >= 1
    if numtaps == 1:
        return None
    if not radial:
        return torch.as_tensor(firwin_lowpass(numtaps, cutoff, width, fs), dtype=torch.float32)
    x = (np.arange(numtaps) - (numtaps - 1) / 2) / fs
    r = np.hypot(*np.meshgrid(x, x))
    f = bessel_j1(2 * cutoff * (np.pi * r)) / (np.pi * r)
    w = np.kaiser(numtaps, kaiser_beta(kaiser_atten(numtaps, width / (fs / 2))))
    f = f * np.outer(w, w)
    return torch.as_tensor(f / np.sum(f), dtype=torch.float32)


def sin_cycles(x):
    """sin(2 pi x) to float32 accuracy on every backend, in plain element-wise ops.

    WebGPU's sin may be off by 2^-11 even within [-pi, pi] (measured 2e-4 on SwiftShader), and the
    Fourier features' arguments reach ~25 rad. So: reduce x (in cycles) to [-1/2, 1/2) (exact in
    float32), fold it onto [-1/4, 1/4] with sin(2 pi u) = sin(2 pi (sign(u)/2 - u)), and evaluate
    a degree-11 Taylor polynomial on [-pi/2, pi/2] (truncation error < 6e-9)."""
    u = x - torch.floor(x + 0.5)
    v = torch.sign(u) * (0.25 - (u.abs() - 0.25).abs())
    t = v * (2 * np.pi)
    t2 = t * t
    p = -1 / 39916800
    for c in (1 / 362880, -1 / 5040, 1 / 120, -1 / 6, 1.0):
        p = p * t2 + c
    return t * p


# ---------------------------------------------------------------------------------------------
# FIR resampling in plain ops.

def _crop_pad(x, dim, lo, hi):
    """Pad with zeros (positive) or crop (negative) `lo` before and `hi` after along `dim`."""
    if lo < 0 or hi < 0:
        x = x.narrow(dim, max(-lo, 0), int(x.shape[dim]) - max(-lo, 0) - max(-hi, 0))
    if lo > 0 or hi > 0:
        pad = [0, 0, 0, 0]
        base = 0 if dim == 3 else 2
        pad[base], pad[base + 1] = max(lo, 0), max(hi, 0)
        x = F.pad(x, pad)
    return x


def upfirdn_up(x, f, up, padding, gain):
    """upfirdn2d(x, f, up=up, padding=padding, gain=gain) (convolution, not correlation).

    Zero insertion followed by a convolution is a transposed convolution with stride `up` and the
    unflipped filter; with T taps and front padding p0, output sample o of upfirdn2d is sample
    o + T - 1 - p0 of the transposed convolution, so a pad/crop of each axis finishes the job."""
    px0, px1, py0, py1 = padding
    H, W = int(x.shape[2]), int(x.shape[3])
    if f is None:
        assert up == 1
        return _crop_pad(_crop_pad(x, 3, px0, px1), 2, py0, py1)
    f = f.to(x.dtype)

    def finish(y, dim, size, taps, p0, p1):
        s = taps - 1 - p0
        out = size * up + p0 + p1 - taps + 1
        return _crop_pad(y, dim, -s, out + s - int(y.shape[dim]))

    if f.ndim == 1:  # separable: a pass along x, then along y, each with gain up
        T = int(f.shape[0])
        k = f * (gain ** 0.5)
        x = finish(per_channel_conv(x, k[None, :], (1, up), transposed=True), 3, W, T, px0, px1)
        return finish(per_channel_conv(x, k[:, None], (up, 1), transposed=True), 2, H, T, py0, py1)
    T = int(f.shape[0])
    x = per_channel_conv(x, f * gain, (up, up), transposed=True)
    return finish(finish(x, 3, W, T, px0, px1), 2, H, T, py0, py1)


def upfirdn_down(x, f, down):
    """upfirdn2d(x, f, down=down): valid convolution with f, keeping every `down`-th sample --
    a strided correlation with the flipped filter."""
    if f is None:
        return x[:, :, ::down, ::down] if down > 1 else x
    f = f.to(x.dtype)
    if f.ndim == 1:
        k = f.flip([0])
        x = per_channel_conv(x, k[None, :], (1, down))
        return per_channel_conv(x, k[:, None], (down, 1))
    return per_channel_conv(x, f.flip([0, 1]), (down, down))


def filtered_lrelu(x, fu, fd, b, up, down, padding, gain, slope, clamp):
    """The official filtered_lrelu (its reference definition, flip_filter=False)."""
    x = x + b.reshape(1, -1, 1, 1)
    x = upfirdn_up(x, fu, up, padding, gain=up * up)
    if slope != 1:
        x = F.leaky_relu(x, slope)
    if gain != 1:
        x = x * gain
    if clamp is not None:
        x = x.clamp(-clamp, clamp)
    return upfirdn_down(x, fd, down)


def _sg3_fc(in_features, out_features, activation='linear', lr_multiplier=1, weight_init=1,
            bias_init=0):
    """The stylegan3 FullyConnectedLayer: same names and run-time gains as the StyleGAN2 one, with
    an initial weight scale and a per-feature initial bias (stored divided by lr_multiplier)."""
    fc = FullyConnectedLayer(in_features, out_features, activation=activation,
                             lr_multiplier=lr_multiplier)
    with torch.no_grad():
        fc.weight.mul_(weight_init)
        init = np.broadcast_to(np.asarray(bias_init, dtype=np.float32), [out_features])
        fc.bias.copy_(torch.from_numpy(init / np.float32(lr_multiplier)))
    return fc


# ---------------------------------------------------------------------------------------------
# Layers.

class SynthesisInput(torch.nn.Module):
    def __init__(self, w_dim, channels, size, sampling_rate, bandwidth):
        super().__init__()
        self.w_dim = w_dim
        self.channels = channels
        self.size = np.broadcast_to(np.asarray(size), [2])
        self.sampling_rate = sampling_rate
        self.bandwidth = bandwidth
        # Frequencies uniform in a disc of radius `bandwidth`, random phases (official draw order).
        freqs = torch.randn([channels, 2])
        radii = freqs.square().sum(dim=1, keepdim=True).sqrt()
        freqs /= radii * radii.square().exp().pow(0.25)
        freqs *= bandwidth
        phases = torch.rand([channels]) - 0.5
        self.weight = torch.nn.Parameter(torch.randn([channels, channels]))
        self.affine = _sg3_fc(w_dim, 4, weight_init=0, bias_init=[1, 0, 0, 0])
        # The user's inverse transform of the output image (NVIDIA's visualizer writes it).
        self.register_buffer('transform', torch.eye(3, 3))
        self.register_buffer('freqs', freqs)
        self.register_buffer('phases', phases)

    def sampling_grid(self):
        """Pixel-centre coordinates along x [1, 1, 1, W] and y [1, 1, H, 1]: the official
        affine_grid(diag(0.5 W / s, 0.5 H / s), align_corners=False), in closed form."""
        w, h = (int(v) for v in self.size)
        gx = (np.arange(w) + 0.5 - w / 2) / self.sampling_rate
        gy = (np.arange(h) + 0.5 - h / 2) / self.sampling_rate
        return (torch.from_numpy(gx.astype(np.float32)).reshape(1, 1, 1, w),
                torch.from_numpy(gy.astype(np.float32)).reshape(1, 1, h, 1))

    def forward(self, w, transform=None):
        """`transform`: optional [3, 3] replacement for the stored `transform` buffer."""
        T = self.transform if transform is None else transform
        t = self.affine(w)  # (r_c, r_s, t_x, t_y) per sample
        t = t / t[:, :2].norm(dim=1, keepdim=True)
        c, s = t[:, 0:1], t[:, 1:2]  # [N, 1]
        # Official: M = rot(c, s) @ translate(-t) @ T, of which rows 0-1 are used. With R the 2x2
        # rotation, rows 0-1 equal R @ (T[:2] - t_xy (x) T[2]): two rows, element-wise.
        p0 = T[0:1, :] - t[:, 2:3] * T[2:3, :]  # [N, 3]
        p1 = T[1:2, :] - t[:, 3:4] * T[2:3, :]
        m0 = c * p0 - s * p1  # row 0 of M
        m1 = s * p0 + c * p1  # row 1 of M
        # freqs' = freqs @ M[:2, :2]; phases' = phases + freqs @ M[:2, 2].
        fx, fy = self.freqs[:, 0:1].t(), self.freqs[:, 1:2].t()  # [1, C]
        phases = self.phases.unsqueeze(0) + fx * m0[:, 2:3] + fy * m1[:, 2:3]  # [N, C]
        freq_x = fx * m0[:, 0:1] + fy * m1[:, 0:1]
        freq_y = fx * m0[:, 1:2] + fy * m1[:, 1:2]
        # Dampen frequencies the user transform pushed out of band.
        amplitudes = (1 - ((freq_x.square() + freq_y.square()).sqrt() - self.bandwidth)
                      / (self.sampling_rate / 2 - self.bandwidth)).clamp(0, 1)
        gx, gy = self.sampling_grid()
        C = self.channels
        x = (gx * freq_x.reshape(-1, C, 1, 1) + gy * freq_y.reshape(-1, C, 1, 1)
             + phases.reshape(-1, C, 1, 1))  # [N, C, H, W]
        x = sin_cycles(x) * amplitudes.reshape(-1, C, 1, 1)
        # The trainable channel mixing (official: x @ weight.t() in NHWC) as a 1x1 convolution.
        weight = self.weight / np.sqrt(C)
        return conv2d(x, weight.reshape(C, C, 1, 1))


class SynthesisLayer(torch.nn.Module):
    def __init__(self, w_dim, is_torgb, is_critically_sampled, use_fp16, in_channels, out_channels,
                 in_size, out_size, in_sampling_rate, out_sampling_rate, in_cutoff, out_cutoff,
                 in_half_width, out_half_width, conv_kernel=3, filter_size=6, lrelu_upsampling=2,
                 use_radial_filters=False, conv_clamp=256, magnitude_ema_beta=0.999):
        super().__init__()
        self.w_dim = w_dim
        self.is_torgb = is_torgb
        self.is_critically_sampled = is_critically_sampled
        self.use_fp16 = use_fp16  # recorded only; computed in float32
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.in_size = np.broadcast_to(np.asarray(in_size), [2])
        self.out_size = np.broadcast_to(np.asarray(out_size), [2])
        self.in_sampling_rate = in_sampling_rate
        self.out_sampling_rate = out_sampling_rate
        self.tmp_sampling_rate = max(in_sampling_rate, out_sampling_rate) * (1 if is_torgb else lrelu_upsampling)
        self.in_cutoff = in_cutoff
        self.out_cutoff = out_cutoff
        self.in_half_width = in_half_width
        self.out_half_width = out_half_width
        self.conv_kernel = 1 if is_torgb else conv_kernel
        self.conv_clamp = conv_clamp
        self.magnitude_ema_beta = magnitude_ema_beta

        self.affine = _sg3_fc(w_dim, in_channels, bias_init=1)
        self.weight = torch.nn.Parameter(torch.randn([out_channels, in_channels, self.conv_kernel, self.conv_kernel]))
        self.bias = torch.nn.Parameter(torch.zeros([out_channels]))
        self.register_buffer('magnitude_ema', torch.ones([]))

        self.up_factor = int(np.rint(self.tmp_sampling_rate / in_sampling_rate))
        assert in_sampling_rate * self.up_factor == self.tmp_sampling_rate
        self.up_taps = filter_size * self.up_factor if self.up_factor > 1 and not is_torgb else 1
        self.register_buffer('up_filter', design_lowpass_filter(
            numtaps=self.up_taps, cutoff=in_cutoff, width=in_half_width * 2, fs=self.tmp_sampling_rate))
        self.down_factor = int(np.rint(self.tmp_sampling_rate / out_sampling_rate))
        assert out_sampling_rate * self.down_factor == self.tmp_sampling_rate
        self.down_taps = filter_size * self.down_factor if self.down_factor > 1 and not is_torgb else 1
        self.down_radial = use_radial_filters and not is_critically_sampled
        self.register_buffer('down_filter', design_lowpass_filter(
            numtaps=self.down_taps, cutoff=out_cutoff, width=out_half_width * 2,
            fs=self.tmp_sampling_rate, radial=self.down_radial))

        # Padding (of the upsampled signal) that makes the output exactly out_size, with the
        # sample positions of the symmetric interpretation (stylegan3 paper, appendix C.3).
        pad_total = (self.out_size - 1) * self.down_factor + 1
        pad_total -= (self.in_size + self.conv_kernel - 1) * self.up_factor
        pad_total += self.up_taps + self.down_taps - 2
        pad_lo = (pad_total + self.up_factor) // 2
        pad_hi = pad_total - pad_lo
        self.padding = [int(pad_lo[0]), int(pad_hi[0]), int(pad_lo[1]), int(pad_hi[1])]

    @property
    def style_gain(self):
        """Factor the layer applies to its affine output (ToRGB's equalised lr), for SeFa."""
        return torgb_style_gain(self.in_channels, self.conv_kernel) if self.is_torgb else 1.0

    def forward(self, x, w):
        styles = self.affine(w) * self.style_gain if self.is_torgb else self.affine(w)
        # Demodulated unless ToRGB; see the module docstring on pre-normalisation.
        x = modulated_conv2d(x, self.weight, styles, padding=self.conv_kernel - 1,
                             demodulate=not self.is_torgb, input_gain=self.magnitude_ema.rsqrt())
        return filtered_lrelu(x, self.up_filter, self.down_filter, self.bias, self.up_factor,
                              self.down_factor, self.padding, gain=1 if self.is_torgb else np.sqrt(2),
                              slope=1 if self.is_torgb else 0.2, clamp=self.conv_clamp)


class SynthesisNetwork(torch.nn.Module):
    def __init__(self, w_dim, img_resolution, img_channels, channel_base=32768, channel_max=512,
                 num_layers=14, num_critical=2, first_cutoff=2, first_stopband=2 ** 2.1,
                 last_stopband_rel=2 ** 0.3, margin_size=10, output_scale=0.25, num_fp16_res=4,
                 **layer_kwargs):
        super().__init__()
        self.w_dim = w_dim
        self.num_ws = num_layers + 2
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        self.num_layers = num_layers
        self.num_critical = num_critical
        self.margin_size = margin_size
        self.output_scale = output_scale
        self.num_fp16_res = num_fp16_res

        # Cutoffs and stopbands grow geometrically up to the last non-critical layer.
        last_cutoff = img_resolution / 2
        last_stopband = last_cutoff * last_stopband_rel
        exponents = np.minimum(np.arange(num_layers + 1) / (num_layers - num_critical), 1)
        cutoffs = first_cutoff * (last_cutoff / first_cutoff) ** exponents
        stopbands = first_stopband * (last_stopband / first_stopband) ** exponents
        sampling_rates = np.exp2(np.ceil(np.log2(np.minimum(stopbands * 2, img_resolution))))
        half_widths = np.maximum(stopbands, sampling_rates / 2) - cutoffs
        sizes = sampling_rates + margin_size * 2
        sizes[-2:] = img_resolution
        channels = np.rint(np.minimum((channel_base / 2) / cutoffs, channel_max))
        channels[-1] = img_channels

        self.input = SynthesisInput(w_dim=w_dim, channels=int(channels[0]), size=int(sizes[0]),
                                    sampling_rate=sampling_rates[0], bandwidth=cutoffs[0])
        self.layer_names = []
        for idx in range(num_layers + 1):
            prev = max(idx - 1, 0)
            layer = SynthesisLayer(
                w_dim=w_dim, is_torgb=(idx == num_layers),
                is_critically_sampled=(idx >= num_layers - num_critical),
                use_fp16=bool(sampling_rates[idx] * (2 ** num_fp16_res) > img_resolution),
                in_channels=int(channels[prev]), out_channels=int(channels[idx]),
                in_size=int(sizes[prev]), out_size=int(sizes[idx]),
                in_sampling_rate=int(sampling_rates[prev]), out_sampling_rate=int(sampling_rates[idx]),
                in_cutoff=cutoffs[prev], out_cutoff=cutoffs[idx],
                in_half_width=half_widths[prev], out_half_width=half_widths[idx], **layer_kwargs)
            name = f'L{idx}_{layer.out_size[0]}_{layer.out_channels}'
            setattr(self, name, layer)
            self.layer_names.append(name)

    def ws_layers(self):
        """(name, layer, ws index) of every layer with styles, in graph order (ws[0] drives the
        input's rotation/translation, not styles)."""
        return [(name, getattr(self, name), i + 1) for i, name in enumerate(self.layer_names)]

    def noise_layers(self):
        """StyleGAN3 has no noise inputs."""
        return []

    def ws_row_resolutions(self):
        """Sampling rate (pixels per image side, margins excluded) at which each ws row acts."""
        return [int(self.input.sampling_rate)] + [int(getattr(self, n).out_sampling_rate)
                                                  for n in self.layer_names]

    def forward(self, ws, noise_mode='const', transform=None):
        """`noise_mode` is accepted for interface parity (StyleGAN3 has no noise); `transform`
        optionally replaces the input's stored [3, 3] transform."""
        ws = ws.to(self.input.affine.weight.dtype).unbind(dim=1)  # float32, or float64 in a .double() copy
        x = self.input(ws[0], transform=transform)
        for name, w in zip(self.layer_names, ws[1:]):
            x = getattr(self, name)(x, w)
        if self.output_scale != 1:
            x = x * self.output_scale
        return x


class Generator(GeneratorBase):
    architecture = 'StyleGAN3 (stylegan3 training.networks_stylegan3.Generator)'

    def __init__(self, z_dim, c_dim, w_dim, img_resolution, img_channels, mapping_kwargs=None,
                 **synthesis_kwargs):
        # The StyleGAN3 mapping network is the StyleGAN2 one with other defaults: 2 layers,
        # w_avg_beta 0.998, embedding and layer widths = w_dim.
        super().__init__(z_dim, c_dim, w_dim, img_resolution, img_channels, mapping_kwargs,
                         synthesis_kwargs, SynthesisNetwork, mapping_defaults=dict(num_layers=2, w_avg_beta=0.998))

    def init_kwargs(self):
        return dict(z_dim=self.z_dim, c_dim=self.c_dim, w_dim=self.w_dim,
                    img_resolution=self.img_resolution, img_channels=self.img_channels,
                    mapping_kwargs=self.mapping_kwargs, **self.synthesis_kwargs)

    def ws_resolutions(self):
        return self.synthesis.ws_row_resolutions()

    def forward(self, z, c=None, truncation_psi=1, truncation_cutoff=None, noise_mode='const',
                transform=None):
        ws = self.mapping(z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)
        return self.synthesis(ws, transform=transform)
