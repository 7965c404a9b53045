"""Checkpoints in the official file formats, written at test time, and what the Python readers make
of them: the reference the TypeScript checkpoint readers (app/checkpoint/) are compared against.

Usage: python3 test-support/checkpoint_fixtures.py OUT_DIR
Writes into OUT_DIR, for each NVIDIA case, <case>.pkl (official_pickle.py's container: G, D, G_ema,
augment_pipe, training_set_kwargs) and <case>.npz + <case>.json (the state dict, class names,
recorded attributes and constructor arguments that models/tools/stylegan/nvidia_pickle.py reads from
the pickle); for BigGAN, biggan-zip/ and biggan-legacy/ folders (config.json + pytorch_model.bin,
the zip and the legacy torch.save format) and biggan.npz (its state dict). Prints the case names as
JSON.
"""
import copy
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(os.path.dirname(HERE), 'models', 'tools')
sys.path.insert(0, TOOLS)
sys.path.insert(0, os.path.join(TOOLS, 'tests'))
from export_biggan import build_random, small_config  # noqa: E402
from official_pickle import EasyDict, write_network_pickle  # noqa: E402
from stylegan.nvidia_pickle import load_network_pickle, to_plain  # noqa: E402
from test_pickle_convert import Discriminator, build  # noqa: E402

CASES = {
    'stylegan2-ada': 'stylegan2-ada',
    'stylegan3-repo-stylegan2': 'stylegan3-repo stylegan2',
    'stylegan3-t': 'stylegan3-t',
    'stylegan3-r': 'stylegan3-r',
}


def half_storages(G):
    """A copy whose synthesis tensors are stored as float16 (as a pickle saved from an fp16 copy
    would be), so the reader's fp16 path is compared too."""
    G = copy.deepcopy(G)
    with torch.no_grad():
        for module in G.synthesis.modules():
            for name, p in list(module._parameters.items()):
                if p is not None:
                    module._parameters[name] = torch.nn.Parameter(p.detach().half(), requires_grad=False)
    return G


def describe_stub(stub):
    modules = {}

    def walk(record, path):
        modules[path] = dict(class_name=record.class_name,
                             attributes={k: to_plain(v) for k, v in record.state.items()
                                         if isinstance(k, str) and not k.startswith('_')
                                         and isinstance(to_plain(v), (int, float, str, bool, list, dict, type(None)))})
        for name, child in record.modules.items():
            walk(child, f'{path}.{name}' if path else name)
    walk(stub, '')
    return dict(class_name=stub.class_name, init_args=to_plain(list(stub.init_args)), init_kwargs=stub.init_kwargs,
                modules=modules, dtypes={k: str(v.dtype).replace('torch.', '') for k, v in stub.state_dict().items()})


def write_nvidia(out, case, arch, transform=None, protocol=None):
    G, _source, _flags, default_protocol = build(arch)
    if transform:
        G = transform(G)
    path = os.path.join(out, f'{case}.pkl')
    write_network_pickle(path, dict(training_set_kwargs=EasyDict(path='data.zip', resolution=32), G=copy.deepcopy(G),
                                    D=Discriminator(), G_ema=G, augment_pipe=None), protocol=protocol or default_protocol)
    stub = load_network_pickle(path)['G_ema']
    np.savez(os.path.join(out, f'{case}.npz'), **{k: v.to(torch.float32).numpy() for k, v in stub.state_dict().items()})
    with open(os.path.join(out, f'{case}.json'), 'w') as fh:
        json.dump(describe_stub(stub), fh)


def write_biggan(out):
    G = build_random(small_config(128), 0)
    for fmt, zipped in (('zip', True), ('legacy', False)):
        folder = os.path.join(out, f'biggan-{fmt}')
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, 'config.json'), 'w') as fh:
            fh.write(G.config.to_json_string())
        torch.save(G.state_dict(), os.path.join(folder, 'pytorch_model.bin'), _use_new_zipfile_serialization=zipped)
    state = G.state_dict()
    np.savez(os.path.join(out, 'biggan.npz'), **{k: v.to(torch.float32).numpy() for k, v in state.items()})
    with open(os.path.join(out, 'biggan.json'), 'w') as fh:
        json.dump(dict(config=G.config.to_dict(), dtypes={k: str(v.dtype).replace('torch.', '') for k, v in state.items()}), fh)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    for case, arch in CASES.items():
        write_nvidia(out, case, arch)
    write_nvidia(out, 'stylegan2-ada-fp16-protocol5', 'stylegan2-ada', transform=half_storages, protocol=5)
    write_biggan(out)
    print(json.dumps(dict(nvidia=[*CASES, 'stylegan2-ada-fp16-protocol5'], biggan=['biggan-zip', 'biggan-legacy'])))


if __name__ == '__main__':
    main()
