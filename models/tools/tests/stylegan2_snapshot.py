#!/usr/bin/python3
"""Reference data for the TypeScript StyleGAN2 converter (app/checkpoint/stylegan2.ts).

A random-weight StyleGAN2 generator is written in NVIDIA's network-pickle container
(official_pickle.py) and read back with the restricted unpickler (stylegan/nvidia_pickle.py), so
that what the TypeScript side receives is what a pickle really records: the G_ema module tree with
each module's class name and plain attributes, its constructor arguments and its state dict. The
Python path then exports the same pickle (export_stylegan.load_pickle + export_package), giving the
package and the PyTorch outputs the converted package is compared with.

  stylegan2_snapshot.py snapshot --arch ada|sg3repo|orig|ffhq1024 [...] --out ROOT [--no-export]
      for each arch, in ROOT/<arch>/:
      snapshot.json  {className, initArgs, initKwargs, modules: [{path, className, attributes}]}
      state.npz      the G_ema state dict (float32)
      python/        export_stylegan.py's package, verify.json its PyTorch outputs (seeds 0, 1, 42
                     at psi 1 and 0.7, plus noise variants with noise inputs)
  stylegan2_snapshot.py check DIR [...]
      export_stylegan.check_graphs on the package in each DIR (its manifest.json): the graph rules
      (valid model, no grouped Conv, Conv input channels, no Sin / Random*, inputs, dynamic batch);
      a package that breaks one is reported with the rule's message, the others as "ok".
Prints one JSON line.
"""
import argparse
import contextlib
import io
import json
import os
import sys
import time

import numpy as np
import onnx
import torch

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(TESTS_DIR))
sys.path.insert(0, TESTS_DIR)
import export_stylegan as E  # noqa: E402
from official_pickle import EasyDict, recording_init_args, to_easydict, write_network_pickle  # noqa: E402
from stylegan import networks as sg2  # noqa: E402
from stylegan.nvidia_pickle import PersistentObject, load_network_pickle, to_plain  # noqa: E402
from test_pickle_convert import build, perturb  # noqa: E402


def build_arch(arch):
    """(generator with recorded constructor arguments, export flags, pickle protocol)."""
    if arch == 'ada':  # conditional, fp16 blocks, conv_clamp = 1 (active), skip
        G, _source, flags, protocol = build('stylegan2-ada')
        return G, flags, protocol
    if arch == 'sg3repo':  # the stylegan3 repo's StyleGAN2: flattened kwargs, default clamp 256
        G, _source, flags, protocol = build('stylegan3-repo stylegan2')
        return G, flags, protocol
    torch.manual_seed(0)
    with recording_init_args(sg2):
        if arch == 'orig':  # 'orig' architecture, 6- and 12-channel layers (padded Convs), lrelu mapping at lr 0.1
            G = sg2.Generator(**to_easydict(dict(
                z_dim=16, c_dim=0, w_dim=16, img_resolution=16, img_channels=3,
                mapping_kwargs=dict(num_layers=2, lr_multiplier=0.1),
                synthesis_kwargs=dict(channel_base=96, channel_max=12, architecture='orig'))))
            return perturb(G, 5), dict(noise_inputs=True), 4
        if arch == 'ffhq1024':  # the official 1024-px config (ffhq), perturbed like the others: for timing the converter
            G = sg2.Generator(**to_easydict(dict(
                z_dim=512, c_dim=0, w_dim=512, img_resolution=1024, img_channels=3,
                mapping_kwargs=dict(num_layers=8),
                synthesis_kwargs=dict(channel_base=32768, channel_max=512, num_fp16_res=4, conv_clamp=256))))
            return perturb(G, 6), {}, 4
    raise ValueError(f'unknown --arch {arch}')


def _jsonable(value):
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def module_records(stub, path=''):
    """Every module of the stored tree: path, class name and the plain attributes it recorded."""
    attributes = {}
    for key, value in stub.state.items():
        if key.startswith('_') or isinstance(value, (torch.Tensor, PersistentObject)):
            continue
        plain = to_plain(value)
        if _jsonable(plain):
            attributes[key] = plain
    out = [dict(path=path, className=stub.class_name, attributes=attributes)]
    for name, child in stub.modules.items():
        out.extend(module_records(child, f'{path}.{name}' if path else name))
    return out


def snapshot(arch, out, export=True):
    os.makedirs(out, exist_ok=True)
    G, flags, protocol = build_arch(arch)
    pkl = os.path.join(out, 'network.pkl')
    write_network_pickle(pkl, dict(training_set_kwargs=EasyDict(resolution=G.img_resolution), G=G, D=None,
                                   G_ema=G, augment_pipe=None), protocol=protocol)
    stub = load_network_pickle(pkl)['G_ema']
    state = {k: v.detach().numpy().astype(np.float32) for k, v in stub.state_dict().items()}
    np.savez(os.path.join(out, 'state.npz'), **state)
    with open(os.path.join(out, 'snapshot.json'), 'w') as fh:
        json.dump(dict(className=stub.class_name, initArgs=to_plain(list(stub.init_args)),
                       initKwargs=stub.init_kwargs, modules=module_records(stub)), fh)
    result = dict(arch=arch, flags=flags, weights_bytes=sum(a.nbytes for a in state.values()))
    if export:
        G1, info = E.load_pickle(pkl)
        pkg = os.path.join(out, 'python')
        verify = os.path.join(out, 'verify.json')
        with contextlib.redirect_stdout(io.StringIO()):  # keep stdout for the one JSON line
            start = time.perf_counter()
            E.export_package(G1, pkg, model_id=f'py-{arch}', name=arch, license='CC0-1.0',
                             attribution='test', source=info['source'], verify_json=verify,
                             verify_psis=(1.0, 0.7), **flags)
        result.update(source=info['source'], package=pkg, verify=verify, export_s=time.perf_counter() - start)
    os.remove(pkl)
    return result


def check(folder):
    """'ok', or the message of the graph rule the package in `folder` breaks."""
    with open(os.path.join(folder, 'manifest.json')) as fh:
        manifest = json.load(fh)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            E.check_graphs(folder, manifest)
    except (AssertionError, onnx.checker.ValidationError) as error:
        return f'{type(error).__name__}: {error}'
    return 'ok'


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='command', required=True)
    s = sub.add_parser('snapshot')
    s.add_argument('--arch', required=True, nargs='+', choices=['ada', 'sg3repo', 'orig', 'ffhq1024'])
    s.add_argument('--out', required=True, help='root folder: each arch goes to <out>/<arch>')
    s.add_argument('--no-export', action='store_true', help='only the snapshot (no Python package)')
    c = sub.add_parser('check')
    c.add_argument('dirs', nargs='+')
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.command == 'snapshot':
        result = {arch: snapshot(arch, os.path.join(args.out, arch), not args.no_export) for arch in args.arch}
    else:
        result = {folder: check(folder) for folder in args.dirs}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
