#!/usr/bin/python3
"""Random-weight StyleGAN3 generators for the TypeScript converter's tests, in two forms at once:
what a checkpoint reader hands the converter (the G_ema state dict as .npz, the constructor
arguments as the persistence decorator records them, every module's plain attributes as an NVIDIA
pickle stores them in its __dict__) and the Python path's package (export_stylegan.export_package
with its PyTorch verification JSON at psi 1 and 0.7).

The official initialisation leaves parts of the network trivial (zero biases, unit
magnitude_ema, w_avg = 0, an input affine that always gives the identity rotation), which would let
a converter that ignores them pass; so every one of them is randomised before export.

Usage: stylegan3_snapshot.py OUT_DIR CONFIGS_JSON
CONFIGS_JSON: a list of {name, arch ('stylegan3-t' | 'stylegan3-r'), resolution, z_dim, w_dim,
c_dim, map_layers, channel_base, channel_max, num_layers, seed, transform_input, stored_rotation
(degrees; the stored `transform` buffer, default 0), python_package (default true),
reference_seeds (optional: PyTorch z_<seed>, ws_<seed>, img_<seed> at psi 1 in reference.npz)}.
Writes OUT_DIR/<name>/{state.npz, snapshot.json, verify.json, python/, reference.npz} and prints
{name: folder} as JSON.
"""
import contextlib
import json
import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'models', 'tools'))
sys.path.insert(0, os.path.join(ROOT, 'models', 'tools', 'tests'))
import export_stylegan as E  # noqa: E402
from official_pickle import recording_init_args  # noqa: E402
from stylegan import networks, networks_sg3  # noqa: E402
from stylegan.nvidia_pickle import to_plain  # noqa: E402


def build(cfg):
    with recording_init_args(networks, networks_sg3):
        G = E.build_random_sg3(cfg['resolution'], cfg['z_dim'], cfg['w_dim'], cfg['map_layers'],
                               cfg['channel_base'], cfg['channel_max'], cfg['seed'], c_dim=cfg['c_dim'],
                               config=cfg['arch'][-1], num_layers=cfg['num_layers'])
    rng = torch.Generator().manual_seed(cfg['seed'] + 1000)
    with torch.no_grad():
        G.mapping.w_avg.copy_(torch.randn(G.w_dim, generator=rng))
        inp = G.synthesis.input
        inp.affine.weight.copy_(torch.randn(inp.affine.weight.shape, generator=rng) * 0.5)
        inp.affine.bias.add_(torch.randn(4, generator=rng) * 0.3)
        if cfg.get('stored_rotation'):
            inp.transform.copy_(torch.from_numpy(E.visualizer_transform(0.05, 0.02, cfg['stored_rotation'])))
        for _, layer, _ in G.synthesis.ws_layers():
            layer.magnitude_ema.copy_(torch.rand([], generator=rng) * 1.5 + 0.25)
            layer.bias.copy_(torch.randn(layer.bias.shape, generator=rng) * 0.2)
            layer.affine.bias.add_(torch.randn(layer.affine.bias.shape, generator=rng) * 0.2)
    return G.eval()


def json_value(value):
    """The plain attribute as JSON, or None when it is not one a pickle reader would hand on."""
    if isinstance(value, (torch.Tensor, torch.nn.Module)) or callable(value):
        return None
    value = to_plain(value)
    try:
        json.dumps(value)
    except TypeError:
        return None
    return value


def module_records(G):
    records = []
    for path, module in G.named_modules():
        attributes = {}
        for key, value in vars(module).items():
            if key.startswith('_') or key == 'training':
                continue
            plain = json_value(value)
            if plain is not None:
                attributes[key] = plain
        records.append(dict(path=path, className=type(module).__name__, attributes=attributes))
    return records


def write(cfg, out_dir):
    G = build(cfg)
    os.makedirs(out_dir, exist_ok=True)
    state = {k: v.detach().numpy().astype(np.float32) for k, v in G.state_dict().items()}
    np.savez(os.path.join(out_dir, 'state.npz'), **state)
    snapshot = dict(className='Generator', moduleName='training.networks_stylegan3',
                    initArgs=to_plain(G._init_args), initKwargs=to_plain(G._init_kwargs),
                    modules=module_records(G))
    with open(os.path.join(out_dir, 'snapshot.json'), 'w') as fh:
        json.dump(snapshot, fh)
    if cfg.get('reference_seeds'):
        cases = E.torch_reference(G, cfg['reference_seeds'])
        arrays = {}
        for k in cases:
            arrays.update({f'{key}_{k["seed"]}': k[key].numpy() for key in ('z', 'ws', 'img')})
        np.savez(os.path.join(out_dir, 'reference.npz'), **arrays)
    if not cfg.get('python_package', True):
        return
    # The exporter prints graph summaries; stdout carries only this script's JSON answer.
    with contextlib.redirect_stdout(sys.stderr):
        E.export_package(G, os.path.join(out_dir, 'python'), model_id=cfg['name'], name=cfg['name'],
                         license='CC0-1.0', attribution='random', source='random',
                         generator_extra=dict(seed=cfg['seed']), verify_json=os.path.join(out_dir, 'verify.json'),
                         verify_psis=(1.0, 0.7), transform_input=cfg.get('transform_input', False))


def main():
    out, configs = sys.argv[1], json.loads(sys.argv[2])
    torch.set_num_threads(1)
    done = {}
    for cfg in configs:
        folder = os.path.join(out, cfg['name'])
        write(cfg, folder)
        done[cfg['name']] = folder
    print(json.dumps(done))


if __name__ == '__main__':
    main()
