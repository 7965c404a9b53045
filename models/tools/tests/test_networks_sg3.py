#!/usr/bin/python3
"""Checks networks_sg3.py against a slow, literal re-statement of the official StyleGAN3
algorithms: upfirdn2d as zero insertion + pad/crop + flipped-filter correlation (+ subsampling),
filtered_lrelu as bias -> upfirdn2d -> lrelu/gain/clamp -> upfirdn2d, the fused modulated
convolution with its pre-normalisation and per-sample grouped weights, and the Fourier input with
affine_grid and 3x3 transform matrices assembled element by element. Filter design is compared
with scipy where scipy is installed, and with tabulated Bessel values.

Run: /usr/bin/python3 models/tools/tests/test_networks_sg3.py   (exits non-zero on failure)
"""
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from stylegan import networks_sg3 as S  # noqa: E402

CHECKS = []


def check(name, err, tol):
    CHECKS.append(name)
    print(f'{name:48s} max err {err:.2e}')
    assert err < tol, f'{name}: {err} >= {tol}'


def upfirdn2d_ref(x, f, up=1, down=1, pad=(0, 0, 0, 0), gain=1):
    n, c, h, w = x.shape
    if f is None:
        f = torch.ones(1, 1)
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1]).reshape(n, c, h * up, w * up)
    px0, px1, py0, py1 = pad
    x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
    x = x[:, :, max(-py0, 0):x.shape[2] - max(-py1, 0), max(-px0, 0):x.shape[3] - max(-px1, 0)]
    f = (f * gain ** (f.ndim / 2)).flip(list(range(f.ndim)))
    if f.ndim == 2:
        x = F.conv2d(x, f[None, None].repeat(c, 1, 1, 1), groups=c)
    else:
        x = F.conv2d(x, f[None, None, None].repeat(c, 1, 1, 1), groups=c)
        x = F.conv2d(x, f[None, None, :, None].repeat(c, 1, 1, 1), groups=c)
    return x[:, :, ::down, ::down]


def filtered_lrelu_ref(x, fu, fd, b, up, down, padding, gain, slope, clamp):
    x = x + b.reshape(1, -1, 1, 1)
    x = upfirdn2d_ref(x, fu, up=up, pad=padding, gain=up ** 2)
    x = F.leaky_relu(x, slope) * gain
    if clamp is not None:
        x = x.clamp(-clamp, clamp)
    return upfirdn2d_ref(x, fd, down=down)


def modulated_conv2d_ref(x, w, s, demodulate, padding, input_gain):
    n = x.shape[0]
    o, i, kh, kw = w.shape
    if demodulate:
        w = w * w.square().mean([1, 2, 3], keepdim=True).rsqrt()
        s = s * s.square().mean().rsqrt()
    w = w.unsqueeze(0) * s.reshape(n, 1, -1, 1, 1)
    if demodulate:
        w = w * (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt().reshape(n, -1, 1, 1, 1)
    w = w * input_gain
    y = F.conv2d(x.reshape(1, -1, *x.shape[2:]), w.reshape(-1, i, kh, kw), padding=padding, groups=n)
    return y.reshape(n, -1, *y.shape[2:])


def layer_ref(L, x, w):
    styles = L.affine(w)
    if L.is_torgb:
        styles = styles / np.sqrt(L.in_channels * L.conv_kernel ** 2)
    x = modulated_conv2d_ref(x, L.weight, styles, not L.is_torgb, L.conv_kernel - 1, L.magnitude_ema.rsqrt())
    return filtered_lrelu_ref(x, L.up_filter, L.down_filter, L.bias, L.up_factor, L.down_factor, L.padding,
                              1 if L.is_torgb else np.sqrt(2), 1 if L.is_torgb else 0.2, L.conv_clamp)


def input_ref(I, w, T):
    n = w.shape[0]
    t = I.affine(w)
    t = t / t[:, :2].norm(dim=1, keepdim=True)
    m_r = torch.eye(3).unsqueeze(0).repeat([n, 1, 1])
    m_r[:, 0, 0], m_r[:, 0, 1], m_r[:, 1, 0], m_r[:, 1, 1] = t[:, 0], -t[:, 1], t[:, 1], t[:, 0]
    m_t = torch.eye(3).unsqueeze(0).repeat([n, 1, 1])
    m_t[:, 0, 2], m_t[:, 1, 2] = -t[:, 2], -t[:, 3]
    M = m_r @ m_t @ T.unsqueeze(0)
    phases = I.phases.unsqueeze(0) + (I.freqs.unsqueeze(0) @ M[:, :2, 2:]).squeeze(2)
    freqs = I.freqs.unsqueeze(0) @ M[:, :2, :2]
    amp = (1 - (freqs.norm(dim=2) - I.bandwidth) / (I.sampling_rate / 2 - I.bandwidth)).clamp(0, 1)
    theta = torch.eye(2, 3)
    theta[0, 0] = 0.5 * I.size[0] / I.sampling_rate
    theta[1, 1] = 0.5 * I.size[1] / I.sampling_rate
    grid = F.affine_grid(theta.unsqueeze(0), [1, 1, int(I.size[1]), int(I.size[0])], align_corners=False)
    x = (grid.unsqueeze(3) @ freqs.permute(0, 2, 1).unsqueeze(1).unsqueeze(2)).squeeze(3)
    x = torch.sin((x + phases.unsqueeze(1).unsqueeze(2)) * (np.pi * 2)) * amp.unsqueeze(1).unsqueeze(2)
    x = x @ (I.weight / np.sqrt(I.channels)).t()
    return x.permute(0, 3, 1, 2)


def test_resampling():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 9, 11, generator=g)
    worst = 0.0
    for taps, up, pad in [(12, 2, (7, 5, 6, 6)), (24, 4, (15, 10, -3, 12)), (8, 2, (-2, -1, 0, 3)),
                          (12, 2, (0, 0, 0, 0))]:
        # Unit-sum filters, like the designed ones, keep values O(1) so float32 error stays ~1e-6.
        f1 = torch.rand(taps, generator=g)
        f1 = f1 / f1.sum()
        f2 = torch.rand(taps, taps, generator=g)
        f2 = f2 / f2.sum()
        for f in (f1, f2):
            a = S.upfirdn_up(x, f, up, pad, gain=up * up)
            b = upfirdn2d_ref(x, f, up=up, pad=pad, gain=up * up)
            assert a.shape == b.shape, (a.shape, b.shape)
            worst = max(worst, float((a - b).abs().max()))
    a, b = S.upfirdn_up(x, None, 1, (2, -1, -3, 4), 1), upfirdn2d_ref(x, None, pad=(2, -1, -3, 4))
    assert a.shape == b.shape
    worst = max(worst, float((a - b).abs().max()))
    check('upsample (transposed conv + pad/crop)', worst, 1e-5)
    worst = 0.0
    y = torch.randn(2, 3, 40, 44, generator=g)
    for taps, down in [(12, 2), (24, 4), (6, 1)]:
        for f in (torch.rand(taps, generator=g), torch.rand(taps, taps, generator=g)):
            f = f / f.sum()
            a, b = S.upfirdn_down(y, f, down), upfirdn2d_ref(y, f, down=down)
            assert a.shape == b.shape, (a.shape, b.shape)
            worst = max(worst, float((a - b).abs().max()))
    check('downsample (strided conv)', worst, 1e-5)
    # When tracing, the per-channel ops run as single-channel convs on a [N*C, 1, H, W] view.
    traced = torch.jit.trace(lambda t: S.upfirdn_up(t, f1, 2, (7, 5, 6, 6), 4), x, check_trace=False)
    err = float((traced(x) - upfirdn2d_ref(x, f1, up=2, pad=(7, 5, 6, 6), gain=4)).abs().max())
    check('upsample, traced single-channel form', err, 1e-5)


def test_sin():
    x = torch.linspace(-30, 30, 600001)
    err = float((S.sin_cycles(x).double() - torch.sin(2 * np.pi * x.double())).abs().max())
    check('sin_cycles vs float64 sin(2 pi x), |x| <= 30', err, 1e-6)


def test_channel_padding():
    # When tracing, convs get input channels padded to a multiple of 4 (WebGPU workaround): the
    # traced function must still equal the plain convolution.
    g = torch.Generator().manual_seed(3)
    x, w = torch.randn(2, 27, 9, 9, generator=g), torch.randn(16, 27, 3, 3, generator=g)
    traced = torch.jit.trace(lambda t: S.conv2d(t, w, padding=2), x, check_trace=False)
    assert 'aten::pad' in str(traced.graph), 'no channel padding traced'
    check('traced conv with channels padded 27 -> 28', float((traced(x) - F.conv2d(x, w, padding=2)).abs().max()), 1e-5)


def test_filters():
    f = S.firwin_lowpass(24, 3.5, 4.0, 32)
    assert np.allclose(f, f[::-1]) and abs(f.sum() - 1) < 1e-12
    j1 = S.bessel_j1(np.array([1.0, 10.0]))
    check('Bessel J1 vs tabulated J1(1), J1(10)', float(np.abs(j1 - [0.44005058574493355, 0.04347274616886144]).max()), 1e-13)
    try:
        import scipy.signal
        import scipy.special
    except ImportError:
        print('filter design vs scipy: skipped (scipy not installed)')
        return
    worst = 0.0
    for numtaps, cutoff, width, fs in [(12, 2, 12, 32), (24, 5.66, 3.1, 64), (12, 16, 4.2, 64)]:
        ours = S.firwin_lowpass(numtaps, cutoff, width, fs)
        worst = max(worst, float(np.abs(ours - scipy.signal.firwin(numtaps=numtaps, cutoff=cutoff, width=width, fs=fs)).max()))
    check('Kaiser low-pass vs scipy.signal.firwin', worst, 1e-12)
    x = np.linspace(0, 60, 301)
    check('Bessel J1 vs scipy.special.j1', float(np.abs(S.bessel_j1(x) - scipy.special.j1(x)).max()), 1e-12)
    ours = S.design_lowpass_filter(12, 6.0, 5.0, 32, radial=True).double().numpy()
    xs = (np.arange(12) - 5.5) / 32
    r = np.hypot(*np.meshgrid(xs, xs))
    ref = scipy.special.j1(2 * 6.0 * np.pi * r) / (np.pi * r)
    w = np.kaiser(12, scipy.signal.kaiser_beta(scipy.signal.kaiser_atten(12, 5.0 / 16)))
    ref = ref * np.outer(w, w)
    check('radial (jinc) filter vs scipy', float(np.abs(ours - ref / ref.sum()).max()), 1e-7)


def test_generator():
    torch.manual_seed(0)
    G = S.Generator(16, 0, 16, 32, 3, channel_base=1024, channel_max=32, num_layers=6, conv_clamp=2,
                    use_radial_filters=True, mapping_kwargs=dict(num_layers=2)).eval()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in G.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.2)
        for m in G.modules():
            if hasattr(m, 'magnitude_ema'):
                m.magnitude_ema.fill_(0.2 + float(torch.rand([], generator=g)))
        syn = G.synthesis
        layers = [getattr(syn, n) for n in syn.layer_names]
        assert any(L.up_factor == 4 for L in layers) and any(L.down_radial for L in layers)
        ws = G.mapping(torch.randn(1, 16, generator=g), None)
        ws = ws + 0.3 * torch.randn(ws.shape, generator=g)  # a different w per layer
        a = np.deg2rad(25)
        T = torch.from_numpy(np.linalg.inv(np.array([[np.cos(a), np.sin(a), 0.2], [-np.sin(a), np.cos(a), -0.1], [0, 0, 1]]))
                             @ np.diag([1.3, 1.3, 1])).float()
        for transform in (None, T):
            ref = input_ref(syn.input, ws[:, 0], syn.input.transform if transform is None else transform)
            ours = syn.input(ws[:, 0], transform=transform)
            check(f'Fourier input ({"stored" if transform is None else "user"} transform)', float((ours - ref).abs().max()), 1e-5)
        x = ref
        worst, clamped = 0.0, False
        for L, w in zip(layers, ws[:, 1:].unbind(1)):
            y_ref = layer_ref(L, x, w)
            y = L(x, w)
            assert y.shape == y_ref.shape, (y.shape, y_ref.shape)
            worst = max(worst, float((y - y_ref).abs().max()) / max(1.0, float(y_ref.abs().max())))
            clamped |= bool((y_ref.abs() >= L.conv_clamp).any()) if L.conv_clamp else False
            x = y_ref
        assert clamped, 'conv_clamp never clamped; the clamp path went untested'
        check('synthesis layers (relative to peak)', worst, 1e-5)
        img = syn(ws, transform=T)
        assert img.shape == (1, 3, 32, 32)
        check('whole synthesis vs layer-by-layer reference', float((img - x * syn.output_scale).abs().max()), 1e-4)


def main():
    torch.set_num_threads(1)
    warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)  # shape constants are intended
    try:
        test_resampling()
        test_sin()
        test_channel_padding()
        test_filters()
        test_generator()
    except BaseException:
        print(f'test_networks_sg3: FAILED after {len(CHECKS)} checks')
        raise
    print(f'test_networks_sg3: {len(CHECKS)} checks passed')


if __name__ == '__main__':
    main()
