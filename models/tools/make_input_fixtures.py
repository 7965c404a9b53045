#!/usr/bin/python3
"""Build the two small fixtures for the studio's noise and StyleGAN3-transform controls, each with a
reference.json of PyTorch outputs for the TypeScript tests to compare ONNX against:

  models/fixtures/stylegan-tiny-noise  (id fixture-stylegan-tiny-noise): StyleGAN2, 32 px,
      exported with --noise-inputs (synthesis inputs noise_<layer>, noise_const.npz)
  models/fixtures/stylegan3-tiny       (id fixture-stylegan3-tiny): StyleGAN3-T, 32 px, 4 layers,
      exported with --transform-input (synthesis input transform [3, 3])

Run: /usr/bin/python3 models/tools/make_input_fixtures.py [--out-dir models/fixtures]
(deterministic, ~20 s). Check the graphs against PyTorch with check_onnx.mjs on
models/tools/data/verify/<id>.json.

reference.json semantics (what the studio must reproduce, app/inference/synthesis-inputs.ts):
  noise, per mode, fed to every noise_<layer> input in manifest order, then x strength (float32):
    const  = the layer's noise_const (the picture of a package without noise inputs)
    none   = zeros
    random = np.random.RandomState(noise_seed).randn(1, 1, r, r).astype(float32), one layer after
             the other from the same RandomState, in the order of manifest.noise_inputs
  transform for (x, y, angle in degrees): manifest default @ inv(M),
    M = [[cos a, sin a, x], [-sin a, cos a, y], [0, 0, 1]]  (gen_images.py make_transform)
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_stylegan import (TOOLS_DIR, build_random, build_random_sg3, export_package,  # noqa: E402
                             noise_const_arrays, seed_z, visualizer_transform)
from make_fixture import adjust_weights, mean_image_at_w_avg, pixel_values, set_w_avg, write_reference  # noqa: E402

REPO = os.path.dirname(os.path.dirname(TOOLS_DIR))
DEFAULT_OUT_DIR = os.path.join(REPO, 'models', 'fixtures')
SEED = 4321
ARCH = dict(resolution=32, z_dim=64, w_dim=64, map_layers=2, channel_base=256, channel_max=16)
# A visible noise path: random init sets every noise strength to 0 (the layer would ignore noise).
NOISE_STRENGTH = 0.15
# A fresh StyleGAN3's pictures span ~0.4 around grey: stretch them so moves show in 8-bit pixels.
SG3_TORGB_GAIN = 4.0
# (channel, y, x) of the pixels stored per case.
REF_PIXELS = [(0, 0, 0), (1, 0, 31), (2, 31, 0), (0, 31, 31), (0, 16, 16), (1, 16, 16), (2, 16, 16),
              (1, 8, 24), (2, 24, 8), (0, 5, 13), (1, 20, 3), (2, 11, 27)]
NOISE_CASES = [dict(mode='const', seed=0, strength=1.0), dict(mode='none', seed=0, strength=1.0),
               dict(mode='random', seed=5, strength=1.0), dict(mode='random', seed=6, strength=1.0),
               dict(mode='const', seed=0, strength=0.5), dict(mode='random', seed=5, strength=2.0)]
TRANSFORM_CASES = [dict(x=0.0, y=0.0, angle=0.0), dict(x=0.25, y=0.0, angle=0.0),
                   dict(x=0.1, y=-0.2, angle=30.0)]


def image_summary(img):
    img = img[0].numpy().astype(np.float64)
    return dict(img_mean=float(img.mean()), img_min=float(img.min()), img_max=float(img.max()),
                pixels=pixel_values(img, REF_PIXELS))


def studio_noise(G, mode, seed, strength):
    """The studio's noise feeds for a mode (see the module docstring), as {layer: tensor}."""
    consts = noise_const_arrays(G)
    rng = np.random.RandomState(seed)
    out = {}
    for layer, _ in G.synthesis.noise_layers():
        const = consts[f'noise_{layer}']
        if mode == 'const':
            unit = const
        elif mode == 'none':
            unit = np.zeros_like(const)
        else:
            unit = rng.randn(*const.shape).astype(np.float32)
        out[layer] = torch.from_numpy(unit * np.float32(strength))
    return out


def ws_of(G, seed):
    with torch.no_grad():
        return G.mapping(torch.from_numpy(seed_z(seed, G.z_dim)), None)


def noise_fixture():
    model_id = 'fixture-stylegan-tiny-noise'
    # As make_fixture.py (pictures centred on grey with few clipped pixels, a real w_avg), with a
    # stronger noise path.
    G = adjust_weights(build_random(ARCH['resolution'], ARCH['z_dim'], ARCH['w_dim'], ARCH['map_layers'],
                                    ARCH['channel_base'], ARCH['channel_max'], SEED), SEED, NOISE_STRENGTH)
    ws = ws_of(G, 0)
    cases = []
    with torch.no_grad():
        builtin = G.synthesis(ws, noise_mode='const')  # the graph's own const noise, no inputs
        cases.append(dict(label='built-in const noise', seed=0, psi=1.0, **image_summary(builtin)))
        for c in NOISE_CASES:
            img = G.synthesis(ws, noise_mode='const', noise=studio_noise(G, c['mode'], c['seed'], c['strength']))
            cases.append(dict(label=f"noise {c['mode']}", seed=0, psi=1.0, noise=c, **image_summary(img)))
    ref = dict(model=model_id, description=__doc__.split('\n\n')[3].strip(), tolerance=1e-4,
               img_shape=list(builtin.shape), noise_layers=[n for n, _ in G.synthesis.noise_layers()], cases=cases)
    return G, model_id, ref, dict(noise_inputs=True), 'Fixture: tiny StyleGAN2 with noise inputs (random weights)'


def transform_fixture():
    model_id = 'fixture-stylegan3-tiny'
    G = build_random_sg3(ARCH['resolution'], ARCH['z_dim'], ARCH['w_dim'], ARCH['map_layers'],
                         ARCH['channel_base'], ARCH['channel_max'], SEED, config='t', num_layers=4)
    with torch.no_grad():
        set_w_avg(G, SEED)
        torgb = getattr(G.synthesis, G.synthesis.layer_names[-1])
        torgb.weight.mul_(SG3_TORGB_GAIN)
        torgb.bias.sub_(torch.from_numpy(np.round(mean_image_at_w_avg(G).numpy(), 3)).float())
    ws = ws_of(G, 0)
    default = G.synthesis.input.transform.detach().numpy()
    cases = []
    with torch.no_grad():
        for c in TRANSFORM_CASES:
            T = default @ visualizer_transform(c['x'], c['y'], c['angle'])
            img = G.synthesis(ws, transform=torch.from_numpy(T.astype(np.float32)))
            cases.append(dict(label=f"transform {c['x']},{c['y']} {c['angle']} deg", seed=0, psi=1.0,
                              transform=c, matrix=[float(v) for v in T.astype(np.float32).flatten()],
                              **image_summary(img)))
    ref = dict(model=model_id, description=__doc__.split('\n\n')[3].strip(), tolerance=1e-4,
               img_shape=[1, G.img_channels, G.img_resolution, G.img_resolution], cases=cases)
    return G, model_id, ref, dict(transform_input=True), 'Fixture: tiny StyleGAN3-T with a transform input (random weights)'


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out-dir', default=DEFAULT_OUT_DIR)
    args = ap.parse_args()
    torch.set_num_threads(1)
    for folder, build in (('stylegan-tiny-noise', noise_fixture), ('stylegan3-tiny', transform_fixture)):
        out = os.path.join(args.out_dir, folder)
        os.makedirs(out, exist_ok=True)
        G, model_id, ref, flags, name = build()
        write_reference(out, ref)
        export_package(G, out, model_id=model_id, name=name, license='CC0-1.0',
                       attribution='Random weights generated by Latent Studio make_input_fixtures.py',
                       source='random', extra_files=['reference.json'],
                       generator_extra=dict(seed=SEED, fixture='make_input_fixtures.py'),
                       verify_json=os.path.join(TOOLS_DIR, 'data', 'verify', f'{model_id}.json'), **flags)
        for case in ref['cases']:
            print(f"{model_id} {case['label']}: min {case['img_min']:.3f} max {case['img_max']:.3f} mean {case['img_mean']:.3f}")
        total = 0
        for fname in sorted(os.listdir(out)):
            total += os.path.getsize(os.path.join(out, fname))
            print(f'  {fname}: {os.path.getsize(os.path.join(out, fname))} bytes')
        print(f'  total {total} bytes')


if __name__ == '__main__':
    main()
