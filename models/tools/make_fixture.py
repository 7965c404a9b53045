#!/usr/bin/python3
"""Build models/fixtures/stylegan-tiny (id fixture-stylegan-tiny): a small random-weight StyleGAN2
package for the studio's tests, plus reference.json with PyTorch outputs to compare ONNX against.

Run: /usr/bin/python3 models/tools/make_fixture.py [--out DIR]   (a few seconds, deterministic)
Check: node models/tools/check_onnx.mjs models/tools/data/verify/fixture-stylegan-tiny.json
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_stylegan import TOOLS_DIR, build_random, export_package, seed_z, torch_reference  # noqa: E402
from pngio import grid, write_png  # noqa: E402

REPO = os.path.dirname(os.path.dirname(TOOLS_DIR))
DEFAULT_OUT = os.path.join(REPO, 'models', 'fixtures', 'stylegan-tiny')
MODEL_ID = 'fixture-stylegan-tiny'
SEED = 1234
ARCH = dict(resolution=32, z_dim=64, w_dim=64, map_layers=2, channel_base=512, channel_max=64)
REF_SEEDS = (0, 1, 42)
REF_PSIS = (1.0, 0.5)
# (channel, y, x) of the pixels stored in reference.json: corners, centre and a few in between.
REF_PIXELS = [(0, 0, 0), (1, 0, 31), (2, 31, 0), (0, 31, 31), (0, 16, 16), (1, 16, 16),
              (2, 16, 16), (1, 8, 24), (2, 24, 8), (0, 5, 13)]

# Why the weights are adjusted (all of it is documented in the manifest's `generator.fixture`):
# A freshly initialised StyleGAN2 is a fine test of the conversion but a poor test subject for the
# studio: its ToRGB outputs are far outside [-1, 1] (std ~1.8 here, so most pixels clip), share a
# large colour cast, and its w_avg buffer is all zeros, which a trained model never has. Tests
# compare pixels across seeds and across psi, so we
#   1. scale every ToRGB weight by TORGB_SCALE -> image std ~0.5, few clipped pixels;
#   2. set the last ToRGB bias to minus the per-channel mean image at w_avg -> images centred on
#      grey, so seed and psi changes show up as colour/brightness changes around the middle;
#   3. set w_avg to the float64 mean of 10,000 mapped z (what w_avg tracking converges to), so
#      psi pulls every seed towards one common picture, as in a trained model;
#   4. give every noise input a small strength (NOISE_STRENGTH) so the const-noise path is live
#      in the exported graph instead of being multiplied by zero.
# The network function stays a legitimate StyleGAN2 (only weight values change, no new ops).
TORGB_SCALE = 0.4
NOISE_STRENGTH = 0.1
W_AVG_SAMPLES = 10000


def mapped_mean_f64(mapping, n, seed):
    """Mean of w over n normal z, computed in float64 so the stored w_avg does not depend on the
    BLAS build's float32 summation order (the fixture must regenerate to the same bytes)."""
    z = np.random.RandomState(seed).randn(n, mapping.z_dim)
    x = z / np.sqrt(np.square(z).mean(axis=1, keepdims=True) + 1e-8)
    for i in range(mapping.num_layers):
        layer = getattr(mapping, f'fc{i}')
        assert layer.activation == 'lrelu'
        w = layer.weight.detach().double().numpy() * layer.weight_gain
        b = layer.bias.detach().double().numpy() * layer.bias_gain
        x = x @ w.T + b
        x = np.where(x >= 0, x, 0.2 * x) * np.sqrt(2)
    return x.mean(axis=0)


def set_w_avg(G, seed):
    """Step 3 above: w_avg = the float64 mean of W_AVG_SAMPLES mapped z (call under no_grad)."""
    G.mapping.w_avg.copy_(torch.from_numpy(mapped_mean_f64(G.mapping, W_AVG_SAMPLES, seed)).float())


def mean_image_at_w_avg(G):
    """The per-channel mean (float64) of the picture at w_avg, which step 2 moves to grey."""
    return G.synthesis(G.mapping.w_avg.reshape(1, 1, -1).repeat(1, G.num_ws, 1)).double().mean(dim=[0, 2, 3])


def adjust_weights(G, seed, noise_strength=NOISE_STRENGTH):
    """Steps 1-4 above, in place, on a random StyleGAN2 built from `seed`; returns G in eval mode."""
    S = G.synthesis
    with torch.no_grad():
        set_w_avg(G, seed)
        for name, layer, _ in S.ws_layers():
            if name.endswith('torgb'):
                layer.weight.mul_(TORGB_SCALE)
            else:
                layer.noise_strength.fill_(noise_strength)
        last = getattr(S, f'b{S.img_resolution}').torgb
        # Rounded so that a last-bit difference in the mean cannot change the stored weights.
        last.bias.copy_(torch.from_numpy(np.round(-mean_image_at_w_avg(G).numpy(), 3)).float())
    return G.eval()


def build_fixture_generator():
    return adjust_weights(build_random(ARCH['resolution'], ARCH['z_dim'], ARCH['w_dim'], ARCH['map_layers'],
                                       ARCH['channel_base'], ARCH['channel_max'], SEED), SEED)


def pixel_values(img, where):
    """The values of a CHW image at the (channel, y, x) places `where`, as reference.json stores them."""
    return [dict(c=c, y=y, x=x, value=float(img[c, y, x])) for c, y, x in where]


def write_reference(out, ref):
    """Write a fixture's reference.json into the package folder `out`."""
    with open(os.path.join(out, 'reference.json'), 'w') as fh:
        json.dump(ref, fh, indent=1)
        fh.write('\n')


def reference_doc(G):
    cases = []
    for c in torch_reference(G, REF_SEEDS, REF_PSIS):
        img = c['img'][0].numpy().astype(np.float64)
        cases.append(dict(
            seed=c['seed'], psi=c['psi'],
            z_head=[float(v) for v in c['z'][0, :4]],
            ws_row0_head=[float(v) for v in c['ws'][0, 0, :4]],
            img_min=float(img.min()), img_max=float(img.max()), img_mean=float(img.mean()),
            pixels=pixel_values(img, REF_PIXELS)))
    return dict(
        model=MODEL_ID,
        description='PyTorch outputs of the fixture: z = np.random.RandomState(seed).randn(1, z_dim) '
                    '(float32), ws = mapping(z) with psi = 1, then ws = w_avg + psi * (ws - w_avg) on '
                    'every row, img = synthesis(ws) with constant noise. Values are CHW floats in '
                    '[-1, 1]-ish (not clipped); ONNX (WASM) matches within ~1e-5.',
        img_shape=[1, G.img_channels, G.img_resolution, G.img_resolution],
        tolerance=1e-4,
        cases=cases)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default=DEFAULT_OUT)
    args = ap.parse_args()
    torch.set_num_threads(1)
    G = build_fixture_generator()
    os.makedirs(args.out, exist_ok=True)
    ref = reference_doc(G)
    write_reference(args.out, ref)
    fixture_notes = dict(seed=SEED, torgb_scale=TORGB_SCALE, noise_strength=NOISE_STRENGTH,
                         w_avg='float64 mean of 10000 mapped z',
                         last_torgb_bias='minus the per-channel mean image at w_avg')
    export_package(G, args.out, model_id=MODEL_ID, name='Fixture: tiny StyleGAN2 (random weights)',
                   license='CC0-1.0', attribution='Random weights generated by Latent Studio make_fixture.py',
                   source='random', extra_files=['reference.json'],
                   generator_extra=dict(seed=SEED, fixture=fixture_notes),
                   verify_json=os.path.join(TOOLS_DIR, 'data', 'verify', f'{MODEL_ID}.json'))
    # A preview for humans (gitignored): rows = psi 1, 0.5, 0 for seeds 0..7.
    with torch.no_grad():
        z = torch.from_numpy(np.concatenate([seed_z(s, G.z_dim) for s in range(8)]))
        ws = G.mapping(z, None)
        rows = [G.synthesis(G.mapping.w_avg + p * (ws - G.mapping.w_avg)) for p in (1.0, 0.5, 0.0)]
    g = grid(torch.cat(rows).numpy(), 8)
    write_png(os.path.join(TOOLS_DIR, 'data', 'fixture-preview.png'), np.kron(g, np.ones((4, 4, 1), np.uint8)))
    for case in ref['cases']:
        print(f"seed {case['seed']:>2} psi {case['psi']}: min {case['img_min']:.3f} max {case['img_max']:.3f} "
              f"mean {case['img_mean']:.3f}")
    for name in sorted(os.listdir(args.out)):
        print(f'{name}: {os.path.getsize(os.path.join(args.out, name))} bytes')


if __name__ == '__main__':
    main()
