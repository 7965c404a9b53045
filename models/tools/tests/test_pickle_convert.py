#!/usr/bin/python3
"""Round trip of the pickle converter: random networks with the official names and shapes ->
NVIDIA's network-pickle container (official_pickle.py) -> export_stylegan.load_pickle (restricted
unpickler, no code from the pickle runs) -> ONNX package -> onnxruntime-web (check_onnx.mjs).

Architectures: StyleGAN2-ADA (conditional, fp16 blocks, an active conv_clamp, pickle protocol 3),
the stylegan3 repo's StyleGAN2 (flattened kwargs, conv_clamp left to its default, noise inputs),
StyleGAN3-T (transform input) and StyleGAN3-R (conditional, 1x1 convs, radial filters, transform
input). Also: refusing pickles that reference other globals, and catching rebuilt attributes that
differ from the stored ones.

Run: /usr/bin/python3 models/tools/tests/test_pickle_convert.py   (needs node + the repo's
node_modules for check_onnx.mjs). Exits non-zero on failure; the last line is a summary.
"""
import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import torch

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
TOOLS_DIR = os.path.dirname(TESTS_DIR)
REPO_DIR = os.path.dirname(os.path.dirname(TOOLS_DIR))
sys.path.insert(0, TOOLS_DIR)
sys.path.insert(0, TESTS_DIR)
import export_stylegan as E  # noqa: E402
from official_pickle import EasyDict, recording_init_args, to_easydict, write_network_pickle  # noqa: E402
from stylegan import networks as sg2  # noqa: E402
from stylegan import networks_sg3 as sg3  # noqa: E402
from stylegan.nvidia_pickle import PickleFormatError, load_network_pickle, rebuild_generator  # noqa: E402

ONNX_TOLERANCE = 1e-4


class Discriminator(torch.nn.Module):
    """Stands in for the D a training pickle also holds (the converter must read past it)."""

    def __init__(self):
        super().__init__()
        self.b4 = torch.nn.Conv2d(3, 4, 3)
        self.register_buffer('resample_filter', torch.ones(4, 4) / 16)


def perturb(G, seed):
    """Move every parameter and buffer away from its initial value, so that a tensor loaded into
    the wrong place or a skipped term changes the output."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in G.named_parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.2)
        for name, m in G.named_modules():
            if hasattr(m, 'magnitude_ema'):
                m.magnitude_ema.fill_(0.3 + 1.5 * float(torch.rand([], generator=g)))
        G.mapping.w_avg.copy_(torch.randn(G.w_dim, generator=g) * 0.5)
    return G.eval()


def build(arch):
    """(generator with recorded constructor args, expected source, export flags, pickle protocol)."""
    torch.manual_seed(0)
    with recording_init_args(sg2, sg3):
        if arch == 'stylegan2-ada':
            G = sg2.Generator(**to_easydict(dict(
                z_dim=24, c_dim=4, w_dim=32, img_resolution=32, img_channels=3,
                mapping_kwargs=dict(num_layers=2),
                synthesis_kwargs=dict(channel_base=512, channel_max=32, num_fp16_res=2, conv_clamp=1))))
            return perturb(G, 1), 'stylegan2-ada-pytorch training.networks pickle', {}, 3
        if arch == 'stylegan3-repo stylegan2':
            kwargs = dict(z_dim=24, c_dim=0, w_dim=32, img_resolution=32, img_channels=3,
                          mapping_kwargs=dict(num_layers=3), channel_base=512, channel_max=32,
                          num_fp16_res=4, fused_modconv_default='inference_only')
            synthesis = {k: kwargs.pop(k) for k in ('channel_base', 'channel_max', 'num_fp16_res', 'fused_modconv_default')}
            # That repo's SynthesisBlock defaults conv_clamp to 256; the kwargs do not repeat it.
            G = sg2.Generator(**kwargs, synthesis_kwargs=dict(synthesis, conv_clamp=256))
            G._init_kwargs = to_easydict({**kwargs, **synthesis})
            return perturb(G, 2), 'stylegan3 training.networks_stylegan2 pickle', dict(noise_inputs=True), 4
        if arch == 'stylegan3-t':
            G = sg3.Generator(**to_easydict(dict(
                z_dim=24, c_dim=0, w_dim=32, img_resolution=32, img_channels=3, channel_base=512,
                channel_max=32, num_layers=6, magnitude_ema_beta=0.99, mapping_kwargs=dict(num_layers=2))))
            return perturb(G, 3), 'stylegan3 training.networks_stylegan3 pickle', dict(transform_input=True), 4
        if arch == 'stylegan3-r':
            G = sg3.Generator(**to_easydict(dict(
                z_dim=24, c_dim=3, w_dim=32, img_resolution=32, img_channels=3, channel_base=1024,
                channel_max=64, num_layers=6, conv_kernel=1, use_radial_filters=True,
                magnitude_ema_beta=0.99, mapping_kwargs=dict(num_layers=2))))
            return perturb(G, 4), 'stylegan3 training.networks_stylegan3 pickle', dict(transform_input=True), 4
    raise ValueError(arch)


def run_checker(verify_jsons):
    """node check_onnx.mjs on all verification files at once (one runtime start-up); returns
    {package id: worst max abs error} as it printed them."""
    res = subprocess.run(['node', os.path.join(TOOLS_DIR, 'check_onnx.mjs'), *verify_jsons], cwd=REPO_DIR,
                         capture_output=True, text=True, timeout=300)
    found = dict(re.findall(r'^(\S+) worst max abs error (\S+)$', res.stdout, re.M))
    if len(found) != len(verify_jsons):
        raise AssertionError(f'check_onnx.mjs did not check every package (exit {res.returncode}):\n{res.stdout}\n{res.stderr}')
    return {k: float(v) for k, v in found.items()}, res.stdout


def read_npz(path):
    with zipfile.ZipFile(path) as zf:
        return {n[:-4]: np.lib.format.read_array(io.BytesIO(zf.read(n))) for n in zf.namelist()}


def check_architecture(arch, tmp):
    G0, source, flags, protocol = build(arch)
    path = os.path.join(tmp, f'{arch.replace(" ", "_")}.pkl')
    write_network_pickle(path, dict(training_set_kwargs=EasyDict(path='data.zip', resolution=32), G=G0,
                                    D=Discriminator(), G_ema=G0, augment_pipe=None), protocol=protocol)
    G1, info = E.load_pickle(path)
    assert info['source'] == source, (info['source'], source)
    assert type(G1) is type(G0) and G1 is not G0

    # The rebuilt module computes what the pickled one computes.
    z = torch.randn(3, G0.z_dim, generator=torch.Generator().manual_seed(5))
    c = torch.eye(G0.c_dim)[[0, 1, 2 % G0.c_dim]] if G0.c_dim else None
    with torch.no_grad():
        torch_err = float((G0(z, c, truncation_psi=0.7) - G1(z, c, truncation_psi=0.7)).abs().max())
    assert torch_err == 0.0, f'{arch}: rebuilt generator differs from the pickled one by {torch_err}'

    pkg = os.path.join(tmp, 'pkg-' + arch.replace(' ', '_'))
    verify = os.path.join(tmp, arch.replace(' ', '_') + '.json')
    manifest = E.export_package(G1, pkg, model_id='test-' + re.sub('[^a-z0-9]+', '-', arch), name=arch,
                                license='CC0-1.0', attribution='test', source=info['source'],
                                verify_json=verify, **flags)
    assert len(manifest['ws_resolutions']) == manifest['num_ws'] == G1.num_ws
    syn_inputs = manifest['graphs']['synthesis']['inputs']
    if flags.get('noise_inputs'):
        layers = G1.synthesis.noise_layers()
        assert [n['name'] for n in manifest['noise_inputs']] == [f'noise_{name}' for name, _ in layers]
        assert syn_inputs == ['ws'] + [f'noise_{name}' for name, _ in layers]
        consts = read_npz(os.path.join(pkg, manifest['side_files']['noise_const']))
        for (name, layer), entry in zip(layers, manifest['noise_inputs']):
            assert entry['resolution'] == layer.resolution and entry['const_file'] == 'noise_const.npz'
            assert np.array_equal(consts[entry['name']][0, 0], layer.noise_const.numpy())
    if flags.get('transform_input'):
        assert syn_inputs == ['ws', 'transform']
        assert manifest['transform_input'] == dict(name='transform', default=np.eye(3).tolist())
    if not flags:
        assert syn_inputs == ['ws'] and 'noise_inputs' not in manifest and 'transform_input' not in manifest

    # Extra inputs must change the picture, else matching PyTorch would prove nothing about them.
    with open(verify) as fh:
        doc = json.load(fh)
    base = np.array(doc['cases'][0]['img'])
    for case in doc['cases']:
        if 'label' in case:
            change = float(np.abs(np.array(case['img']) - base).max())
            assert change > 1e-2, f'{arch}: {case["label"]} changes the image by only {change}'

    labels = [c['label'] for c in doc['cases'] if 'label' in c]
    print(f'{arch:26s} source ok, PyTorch rebuilt-vs-pickled max|err| {torch_err:.1e}, '
          f'{len(doc["cases"])} verification cases{" incl. " + ", ".join(labels) if labels else ""}')
    return G1, manifest['id'], verify


def check_clamp_active(G):
    """The ADA network's conv_clamp = 1 must actually clamp, or the test of it proves nothing."""
    z = torch.randn(2, G.z_dim, generator=torch.Generator().manual_seed(9))
    c = torch.eye(G.c_dim)[:2]
    with torch.no_grad():
        clamped = G(z, c)
        layers = [m for m in G.modules() if hasattr(m, 'conv_clamp')]
        for m in layers:
            m.conv_clamp = None
        free = G(z, c)
        for m in layers:
            m.conv_clamp = 1
    assert float((clamped - free).abs().max()) > 1e-2, 'conv_clamp did not change the output'
    assert any(b.use_fp16 for b in G.synthesis.children()), 'no block is marked fp16'


def check_refusals(tmp):
    # A pickle that would run a shell command when loaded normally.
    marker = os.path.join(tmp, 'pwned')

    class Evil:
        def __reduce__(self):
            return os.system, (f'touch {marker}',)
    try:
        load_network_pickle(io.BytesIO(pickle.dumps(dict(G_ema=Evil()))))
    except PickleFormatError as error:
        assert 'system' in str(error), error
    else:
        raise AssertionError('a pickle calling os.system was accepted')
    assert not os.path.exists(marker)

    # Truncated file, and a valid pickle that is not a dict of networks.
    G, _, _, _ = build('stylegan3-t')
    path = os.path.join(tmp, 'cut.pkl')
    write_network_pickle(path, dict(G_ema=G))
    with open(path, 'rb') as fh:
        data = fh.read()
    for blob in (data[:len(data) // 2], pickle.dumps([1, 2, 3])):
        try:
            load_network_pickle(io.BytesIO(blob))
        except PickleFormatError:
            pass
        else:
            raise AssertionError('a broken pickle was accepted')

    # Stored attributes that the recorded kwargs would not reproduce: the layers clamp at 256 but
    # the (ADA-style) kwargs leave conv_clamp to its default, None.
    with recording_init_args(sg2, sg3):
        G = sg2.Generator(16, 0, 16, 16, 3, mapping_kwargs=EasyDict(num_layers=2),
                          synthesis_kwargs=EasyDict(channel_base=256, channel_max=16, conv_clamp=256))
    G._init_kwargs['synthesis_kwargs'].pop('conv_clamp')
    write_network_pickle(path, dict(G_ema=G))
    try:
        rebuild_generator(load_network_pickle(path)['G_ema'])
    except PickleFormatError as error:
        assert 'conv_clamp' in str(error), error
    else:
        raise AssertionError('a conv_clamp that differs from the stored layers was not noticed')
    print('refusals: os.system global, truncated pickle, non-dict pickle, conv_clamp mismatch -> PickleFormatError')


def main():
    torch.set_num_threads(1)
    tmp = tempfile.mkdtemp(prefix='pickle-convert-')
    checks, packages = 0, {}
    try:
        for arch in ('stylegan2-ada', 'stylegan3-repo stylegan2', 'stylegan3-t', 'stylegan3-r'):
            G, model_id, verify = check_architecture(arch, tmp)
            packages[arch] = (model_id, verify)
            checks += 1
            if arch == 'stylegan2-ada':
                check_clamp_active(G)
                checks += 1
        found, log = run_checker([verify for _, verify in packages.values()])
        errors = {arch: found[model_id] for arch, (model_id, _) in packages.items()}
        for arch, err in errors.items():
            print(f'{arch:26s} ONNX (onnxruntime-web) vs PyTorch max|err| {err:.2e}')
            assert err < ONNX_TOLERANCE, f'{arch}: ONNX differs from PyTorch by {err}\n{log}'
            checks += 1
        check_refusals(tmp)
        checks += 1
    except BaseException:
        print(f'test_pickle_convert: FAILED after {checks} checks')
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'test_pickle_convert: {checks} checks passed; ONNX max abs error ' +
          ', '.join(f'{k} {v:.1e}' for k, v in errors.items()))


if __name__ == '__main__':
    main()
