#!/usr/bin/python3
"""Render the stylegan-tiny fixture in PyTorch: the reference the e2e suite compares the studio's
whole on-screen picture with (e2e/reference.ts renderInPytorch), independent of ONNX and of the
studio's own pipeline.

The weights are rebuilt the way make_fixture.py made them (deterministic on this torch), then
checked against the PyTorch values the fixture's committed reference.json holds, so a rebuild
that drifted from the committed fixture fails loudly instead of comparing two different models.
The image is computed in float64 (a float64 copy of the float32 generator, as the exporters'
verification does) on z = RandomState(seed).randn(1, z_dim) as float32, ws = w_avg + psi (ws -
w_avg), const noise, and converted to 8 bits as NVIDIA's gen_images.py does:
(img * 127.5 + 128).clamp(0, 255) truncated to uint8.

Usage: /usr/bin/python3 models/tools/render_fixture.py SEED PSI
Prints JSON: {"width", "height", "rgba": [R, G, B, 255, ...] row-major}.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli  # noqa: E402

cli.require('torch', 'numpy')
import numpy as np  # noqa: E402
import torch  # noqa: E402

from export_stylegan import float64_copy, seed_z, torch_reference  # noqa: E402
from make_fixture import DEFAULT_OUT, build_fixture_generator  # noqa: E402

# The committed reference.json stores float32 PyTorch values; a faithful rebuild reproduces them
# to float32 rounding (measured 1.2e-6: BLAS summation order), a different model misses by far more.
REBUILD_TOLERANCE = 1e-5


def check_rebuild(G):
    """Exit unless G is the committed fixture: its float32 outputs equal the reference.json pixels
    (all its seeds and psis)."""
    with open(os.path.join(DEFAULT_OUT, 'reference.json'), encoding='utf-8') as fh:
        ref = json.load(fh)
    cases = ref['cases']
    outputs = torch_reference(G, sorted({c['seed'] for c in cases}), sorted({c['psi'] for c in cases}))
    by_key = {(o['seed'], o['psi']): o['img'][0].numpy() for o in outputs}
    worst = max(abs(float(by_key[(c['seed'], c['psi'])][p['c'], p['y'], p['x']]) - p['value'])
                for c in cases for p in c['pixels'])
    if worst > REBUILD_TOLERANCE:
        raise SystemExit(f'the rebuilt fixture differs from models/fixtures/stylegan-tiny/reference.json by {worst:.2e}: '
                         'make_fixture.py no longer builds the committed weights (regenerate the fixture)')


def render(G, seed, psi):
    """The float64 picture of (seed, psi) as 8-bit RGBA, gen_images.py's conversion."""
    G64 = float64_copy(G)
    with torch.no_grad():
        z = torch.from_numpy(seed_z(seed, G.z_dim))
        ws = G64.mapping(z, None)
        ws = G64.mapping.w_avg + psi * (ws - G64.mapping.w_avg)
        img = G64.synthesis(ws, noise_mode='const')
    rgb = (img[0] * 127.5 + 128).clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()
    rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=2)
    return dict(width=int(rgba.shape[1]), height=int(rgba.shape[0]), rgba=rgba.ravel().tolist())


def main():
    if len(sys.argv) != 3:
        raise cli.InputError('usage: render_fixture.py SEED PSI')
    try:
        seed, psi = int(sys.argv[1]), float(sys.argv[2])
    except ValueError as error:
        raise cli.InputError(f'SEED must be an integer and PSI a number ({error})') from error
    torch.set_num_threads(1)
    G = build_fixture_generator()
    check_rebuild(G)
    json.dump(render(G, seed, psi), sys.stdout)


if __name__ == '__main__':
    cli.run(main)
