"""Checks networks.py against a slow, literal re-statement of the official algorithms:
upfirdn2d by zero insertion + padding + flipped-filter correlation, and the fused (grouped-conv)
modulated convolution with per-sample weights. Run: /usr/bin/python3 models/tools/tests/test_networks.py
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from stylegan import networks as N  # noqa: E402


def upfirdn2d_ref(x, f, up=1, pad=(0, 0, 0, 0), gain=1):
    n, c, h, w = x.shape
    if up > 1:  # zero insertion
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    x = F.pad(x, list(pad))
    f = (f * gain).flip([0, 1])[None, None].repeat(c, 1, 1, 1)
    return F.conv2d(x, f, groups=c)


def modconv_ref(x, weight, styles, up, padding, f, demodulate=True):
    n = x.shape[0]
    o, i, kh, kw = weight.shape
    w = weight[None] * styles.reshape(n, 1, -1, 1, 1)
    if demodulate:
        w = w * (w.square().sum([2, 3, 4]) + 1e-8).rsqrt().reshape(n, -1, 1, 1, 1)
    x = x.reshape(1, -1, *x.shape[2:])
    w = w.reshape(-1, i, kh, kw)
    if up == 1:
        y = F.conv2d(x, w, padding=padding, groups=n)
    else:  # generic path: upsample with the filter, then convolve with the flipped weight
        fw = f.shape[0]
        p = [padding + (fw + up - 1) // 2, padding + (fw - up) // 2]
        y = upfirdn2d_ref(x, f, up=up, pad=(p[0], p[1], p[0], p[1]), gain=up * up)
        y = F.conv2d(y, w.flip([2, 3]), groups=n)
    return y.reshape(n, -1, *y.shape[2:])


def main():
    torch.manual_seed(0)
    G = N.Generator(16, 0, 32, 32, 3, mapping_kwargs=dict(num_layers=2),
                    synthesis_kwargs=dict(channel_base=512, channel_max=32, conv_clamp=256))
    names = set(G.state_dict().keys())
    for k in ['mapping.w_avg', 'mapping.fc0.weight', 'mapping.fc1.bias', 'synthesis.b4.const',
              'synthesis.b4.resample_filter', 'synthesis.b4.conv1.affine.weight',
              'synthesis.b4.conv1.noise_const', 'synthesis.b4.conv1.noise_strength',
              'synthesis.b8.conv0.weight', 'synthesis.b8.conv0.resample_filter',
              'synthesis.b32.torgb.affine.bias', 'synthesis.b32.torgb.weight']:
        assert k in names, k
    assert 'synthesis.b4.conv0.weight' not in names
    assert G.num_ws == 8

    x = torch.randn(2, 8, 8, 8)
    f = N.setup_filter([1, 3, 3, 1])
    err = (N.upsample2d(x, f) - upfirdn2d_ref(x, f, up=2, pad=(2, 1, 2, 1), gain=4)).abs().max()
    print('upsample2d max err', float(err))
    assert err < 1e-5
    for up in (1, 2):
        weight = torch.randn(6, 8, 3, 3)
        styles = torch.randn(2, 8)
        a = N.modulated_conv2d(x, weight, styles, up=up, padding=1, resample_filter=f)
        b = modconv_ref(x, weight, styles, up, 1, f)
        print(f'modconv up={up} max err', float((a - b).abs().max()), tuple(a.shape))
        assert a.shape == b.shape and (a - b).abs().max() < 1e-4

    # Whole generator vs. the reference layers.
    with torch.no_grad():
        for m in G.modules():
            if hasattr(m, 'noise_strength'):
                m.noise_strength.fill_(0.3)
        z = torch.randn(3, 16)
        ws = G.mapping(z, None)
        img = G.synthesis(ws, noise_mode='const')
        ref_x = ref_img = None
        wi = 0
        for res in G.synthesis.block_resolutions:
            blk = getattr(G.synthesis, f'b{res}')
            cur = ws[:, wi:wi + blk.num_conv + blk.num_torgb].unbind(1)
            wi += blk.num_conv
            it = iter(cur)

            def layer(L, xin):
                y = modconv_ref(xin, L.weight, L.affine(next(it)), L.up, 1, L.resample_filter)
                y = y + L.noise_const * L.noise_strength
                return N.bias_act(y, L.bias, 'lrelu', clamp=L.conv_clamp)
            if blk.in_channels == 0:
                ref_x = layer(blk.conv1, blk.const[None].repeat(3, 1, 1, 1))
            else:
                ref_x = layer(blk.conv0, ref_x)
                ref_x = layer(blk.conv1, ref_x)
            if ref_img is not None:
                ref_img = upfirdn2d_ref(ref_img, blk.resample_filter, up=2, pad=(2, 1, 2, 1), gain=4)
            T = blk.torgb
            y = modconv_ref(ref_x, T.weight, T.affine(next(it)) * T.weight_gain, 1, 0, None, False)
            y = N.bias_act(y, T.bias, clamp=T.conv_clamp)
            ref_img = y if ref_img is None else ref_img + y
        err = float((img - ref_img).abs().max())
        print('generator max err', err, 'img std', float(img.std()))
        assert err < 1e-4

        # Explicit per-layer noise (what --noise-inputs exports): the const buffers reproduce
        # noise_mode='const', zeros reproduce 'none', and other noise changes the picture.
        layers = G.synthesis.noise_layers()
        assert [n for n, _ in layers] == ['b4.conv1', 'b8.conv0', 'b8.conv1', 'b16.conv0', 'b16.conv1',
                                          'b32.conv0', 'b32.conv1']
        const = {n: L.noise_const[None, None] for n, L in layers}
        zeros = {n: torch.zeros_like(t) for n, t in const.items()}
        other = {n: torch.randn_like(t) for n, t in const.items()}
        err_const = float((G.synthesis(ws, noise=const) - img).abs().max())
        err_none = float((G.synthesis(ws, noise=zeros) - G.synthesis(ws, noise_mode='none')).abs().max())
        change = float((G.synthesis(ws, noise=other) - img).abs().max())
        print('explicit noise: const max err', err_const, 'none max err', err_none, 'other noise changes by', change)
        assert err_const == 0 and err_none == 0 and change > 1e-2
    print('test_networks: all checks passed')


if __name__ == '__main__':
    main()
