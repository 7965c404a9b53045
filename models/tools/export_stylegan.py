#!/usr/bin/python3
"""Export a StyleGAN2 generator to a Latent Studio model package (models/README.md, format 1).

Sources:
  --pickle PKL        an official StyleGAN2-ADA network pickle (G_ema)       [TODO, see load_pickle]
  --checkpoint PT     a checkpoint of train_stylegan.py (full or compact)
  --random ...        official random initialisation, seeded (for converter tests)

Writes into --out: mapping.onnx (z[,c] -> ws, psi = 1), synthesis.onnx (ws -> img, const noise),
style_affine.npz (for SeFa) and manifest.json. Also writes a verification JSON (z, ws, img computed
in PyTorch for 3 seeds) that `node models/tools/check_onnx.mjs <json>` compares with
onnxruntime-web.

Examples:
  /usr/bin/python3 models/tools/export_stylegan.py --random --resolution 32 --z-dim 64 --w-dim 64 \
      --map-layers 2 --channel-base 512 --channel-max 64 --seed 0 --out /tmp/rand32
  /usr/bin/python3 models/tools/export_stylegan.py --checkpoint models/tools/checkpoints/emoji-stylegan.pt \
      --out models/emoji-stylegan --id emoji-stylegan --name 'Emoji StyleGAN'
"""
import argparse
import hashlib
import io
import json
import os
import sys
import zipfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stylegan.networks import Generator, ws_resolutions  # noqa: E402

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
OPSET = 17


# ---------------------------------------------------------------------------------------------
# Sources.

def build_random(resolution, z_dim, w_dim, map_layers, channel_base, channel_max, seed, c_dim=0):
    # Seeding right before construction reproduces the official initial weights for that seed,
    # because the constructors draw from torch's RNG in the official order.
    torch.manual_seed(seed)
    G = Generator(z_dim, c_dim, w_dim, resolution, 3,
                  mapping_kwargs=dict(num_layers=map_layers),
                  synthesis_kwargs=dict(channel_base=channel_base, channel_max=channel_max))
    return G.eval()


def load_checkpoint(path):
    """A train_stylegan.py checkpoint (full run state or the compact fp16 one): G_ema weights."""
    ckpt = torch.load(path, map_location='cpu')
    G = Generator(**ckpt['G_kwargs'])
    G.load_state_dict({k: v.float() for k, v in ckpt['G_ema'].items()}, strict=True)
    return G.eval(), ckpt


def load_pickle(path):
    # TODO(pickle): official pickles reference NVIDIA's `torch_utils.persistence` classes and embed
    # their source. Read them with a restricted Unpickler that maps those classes to stubs which
    # only collect `init_kwargs` and the module state, then build Generator(**init_kwargs) and
    # load_state_dict(G_ema.state_dict(), strict=True). A later task implements this.
    raise NotImplementedError('--pickle is not implemented yet: see load_pickle() in export_stylegan.py')


# ---------------------------------------------------------------------------------------------
# Writers.

class _MappingGraph(torch.nn.Module):
    def __init__(self, G):
        super().__init__()
        self.mapping = G.mapping

    def forward(self, z, c=None):
        return self.mapping(z, c, truncation_psi=1)  # truncation happens in the studio


class _SynthesisGraph(torch.nn.Module):
    def __init__(self, G):
        super().__init__()
        self.synthesis = G.synthesis

    def forward(self, ws):
        return self.synthesis(ws, noise_mode='const')


def _export(module, args, path, input_names, output_names):
    dyn = {name: {0: 'batch'} for name in input_names + output_names}
    # torch.onnx.export restores the wrapper's train/eval mode recursively afterwards; a fresh
    # wrapper is in train mode, which would switch on w_avg tracking in the wrapped generator.
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                          dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True,
                          export_params=True)


def write_npz(path, arrays):
    """np.savez, but byte-for-byte reproducible (fixed zip timestamps, stored, sorted order)."""
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_STORED) as zf:
        for key in arrays:
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(key + '.npy', date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def style_affine_arrays(G):
    """SeFa needs the matrices that turn w into styles. For each ws-consuming layer, `<layer>` is
    the runtime affine weight [in_channels, w_dim] (stored weight x weight_gain; for torgb also the
    ToRGB weight_gain, which the official code folds into its styles) and `<layer>.bias` its bias."""
    out = {}
    layers = []
    with torch.no_grad():
        for name, layer, ws_index in G.synthesis.ws_layers():
            extra = getattr(layer, 'weight_gain', 1.0) if name.endswith('torgb') else 1.0
            w = layer.affine.effective_weight() * extra
            b = layer.affine.effective_bias() * extra
            out[name] = w.numpy().astype(np.float32)
            out[name + '.bias'] = b.numpy().astype(np.float32)
            layers.append(dict(name=name, ws_index=ws_index, channels=int(w.shape[0])))
    return out, layers


def file_entry(path):
    with open(path, 'rb') as fh:
        data = fh.read()
    return dict(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))


def seed_z(seed, z_dim):
    # The studio's seed -> z (DESIGN §3): numpy's legacy RandomState, then float32.
    return np.random.RandomState(seed & 0xFFFFFFFF).randn(1, z_dim).astype(np.float32)


def torch_reference(G, seeds, psis=(1.0,)):
    """PyTorch outputs for the studio's seed -> z -> truncation -> synthesis path."""
    G.eval()
    cases = []
    w_avg = G.mapping.w_avg
    with torch.no_grad():
        for seed in seeds:
            z = torch.from_numpy(seed_z(seed, G.z_dim))
            ws1 = G.mapping(z, None)
            for psi in psis:
                ws = w_avg + psi * (ws1 - w_avg)  # the studio's truncation, all rows
                img = G.synthesis(ws, noise_mode='const')
                cases.append(dict(seed=seed, psi=psi, z=z, ws=ws, img=img))
    return cases


def export_package(G, out_dir, *, model_id, name, license, attribution, source, extra_files=(),
                   generator_extra=None, verify_json=None, verify_psis=(1.0, 0.5)):
    """Write mapping.onnx, synthesis.onnx, style_affine.npz, manifest.json into out_dir.

    extra_files: names of files the caller already put in out_dir (listed in `files`)."""
    os.makedirs(out_dir, exist_ok=True)
    G = G.eval()
    z = torch.randn(2, G.z_dim)
    if G.c_dim > 0:
        c = torch.zeros(2, G.c_dim)
        c[:, 0] = 1
        _export(_MappingGraph(G), (z, c), os.path.join(out_dir, 'mapping.onnx'), ['z', 'c'], ['ws'])
        map_inputs = ['z', 'c']
    else:
        _export(_MappingGraph(G), (z,), os.path.join(out_dir, 'mapping.onnx'), ['z'], ['ws'])
        map_inputs = ['z']
    ws = G.mapping(z, None if G.c_dim == 0 else c).detach()
    _export(_SynthesisGraph(G), (ws,), os.path.join(out_dir, 'synthesis.onnx'), ['ws'], ['img'])

    arrays, layers = style_affine_arrays(G)
    write_npz(os.path.join(out_dir, 'style_affine.npz'), arrays)

    files = {}
    for fname in ['mapping.onnx', 'synthesis.onnx', 'style_affine.npz', *extra_files]:
        files[fname] = file_entry(os.path.join(out_dir, fname))

    generator = dict(
        source=source,
        architecture='StyleGAN2 (stylegan2-ada-pytorch training.networks.Generator)',
        init_kwargs=G.init_kwargs(),
        noise_mode='const',
        exporter=f'torch {torch.__version__} tracing exporter, ONNX opset {OPSET}',
        style_affine_layers=layers,
    )
    generator.update(generator_extra or {})
    manifest = dict(
        format=1,
        id=model_id,
        name=name,
        license=license,
        attribution=attribution,
        family='stylegan',
        resolution=G.img_resolution,
        img_channels=G.img_channels,
        z_dim=G.z_dim,
        w_dim=G.w_dim,
        num_ws=G.num_ws,
        c_dim=G.c_dim,
        class_names=[f'class {i}' for i in range(G.c_dim)],
        output_range=[-1, 1],
        ws_resolutions=ws_resolutions(G.num_ws, G.img_resolution),
        w_avg=[float(v) for v in G.mapping.w_avg.detach().numpy().astype(np.float32)],
        graphs=dict(
            mapping=dict(file='mapping.onnx', inputs=map_inputs, outputs=['ws']),
            synthesis=dict(file='synthesis.onnx', inputs=['ws'], outputs=['img']),
        ),
        files=files,
        side_files=dict(style_affine='style_affine.npz'),
        generator=generator,
    )
    with open(os.path.join(out_dir, 'manifest.json'), 'w') as fh:
        json.dump(manifest, fh, indent=2)
        fh.write('\n')

    check_graphs(out_dir)
    if verify_json and G.c_dim == 0:
        write_verify_json(G, out_dir, verify_json, psis=verify_psis)
    return manifest


def check_graphs(out_dir):
    """Structural checks we can run without an ONNX runtime: valid model, opset, no grouped Conv,
    no RandomNormal, dynamic batch."""
    import onnx
    for fname in ('mapping.onnx', 'synthesis.onnx'):
        m = onnx.load(os.path.join(out_dir, fname))
        onnx.checker.check_model(m)
        ops = {}
        for node in m.graph.node:
            ops[node.op_type] = ops.get(node.op_type, 0) + 1
            if node.op_type in ('Conv', 'ConvTranspose'):
                group = [a.i for a in node.attribute if a.name == 'group']
                assert not group or group[0] == 1, f'{fname}: grouped {node.op_type}'
            assert not node.op_type.startswith('Random'), f'{fname}: {node.op_type}'
        for v in list(m.graph.input) + list(m.graph.output):
            d0 = v.type.tensor_type.shape.dim[0]
            assert d0.dim_param, f'{fname}: {v.name} has a static batch axis'
        print(f'{fname}: {os.path.getsize(os.path.join(out_dir, fname))} bytes, ops {dict(sorted(ops.items()))}')


def write_verify_json(G, out_dir, path, seeds=(0, 1, 42), psis=(1.0, 0.5)):
    cases = torch_reference(G, seeds, psis)
    doc = dict(package=os.path.abspath(out_dir), cases=[
        dict(seed=c['seed'], psi=c['psi'], z=c['z'][0].tolist(), ws_shape=list(c['ws'].shape),
             ws=[round(v, 7) for v in c['ws'].flatten().tolist()], img_shape=list(c['img'].shape),
             img=[round(v, 6) for v in c['img'].flatten().tolist()]) for c in cases])
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as fh:
        json.dump(doc, fh)
    print(f'verification data: {path}  (check: node models/tools/check_onnx.mjs {path})')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument('--pickle', help='official StyleGAN2-ADA network pickle (TODO)')
    src.add_argument('--checkpoint', help='train_stylegan.py checkpoint (.pt)')
    src.add_argument('--random', action='store_true', help='random official initialisation')
    ap.add_argument('--out', required=True, help='package folder to write')
    ap.add_argument('--resolution', type=int, default=32)
    ap.add_argument('--z-dim', type=int, default=64)
    ap.add_argument('--w-dim', type=int, default=64)
    ap.add_argument('--map-layers', type=int, default=2)
    ap.add_argument("--channel-base", type=int, default=512)
    ap.add_argument('--channel-max', type=int, default=64)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--id', default=None, help='package id (default: folder name)')
    ap.add_argument('--name', default=None)
    ap.add_argument('--license', default=None)
    ap.add_argument('--attribution', default=None)
    ap.add_argument('--verify-json', default=None,
                    help='where to write PyTorch outputs for check_onnx.mjs '
                         '(default models/tools/data/verify/<id>.json)')
    args = ap.parse_args()

    model_id = args.id or os.path.basename(os.path.normpath(args.out)).lower()
    extra = {}
    if args.random:
        G = build_random(args.resolution, args.z_dim, args.w_dim, args.map_layers,
                         args.channel_base, args.channel_max, args.seed)
        source = 'random'
        extra = dict(seed=args.seed)
        license_, attribution = 'CC0-1.0', 'Random weights (Latent Studio export_stylegan.py)'
    elif args.checkpoint:
        G, ckpt = load_checkpoint(args.checkpoint)
        source = 'train_stylegan.py checkpoint'
        info = dict(ckpt.get('train_info', {}))
        if os.path.isabs(info.get('dataset', '')):  # keep local paths out of the manifest
            info['dataset'] = os.path.relpath(info['dataset'], os.path.dirname(os.path.dirname(TOOLS_DIR)))
        extra = dict(step=int(ckpt.get('step', 0)), kimg=float(ckpt.get('kimg', ckpt.get('nimg', 0) / 1000)),
                     training=info)
        license_ = ckpt.get('license', 'CC-BY-4.0')
        attribution = ckpt.get('attribution', 'Trained with Latent Studio train_stylegan.py')
    else:
        G = load_pickle(args.pickle)
        source = 'stylegan2-ada-pytorch pickle'
        license_, attribution = 'see source', os.path.basename(args.pickle)
    verify = args.verify_json or os.path.join(TOOLS_DIR, 'data', 'verify', f'{model_id}.json')
    export_package(G, args.out, model_id=model_id, name=args.name or model_id,
                   license=args.license or license_, attribution=args.attribution or attribution,
                   source=source, generator_extra=extra, verify_json=verify)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
