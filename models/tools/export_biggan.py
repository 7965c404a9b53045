#!/usr/bin/python3
"""Export a BigGAN-deep generator to a Latent Studio model package (models/README.md, format 1,
family `conditional`).

Sources:
  --checkpoint DIR    a huggingface pytorch-pretrained-BigGAN folder: config.json + pytorch_model.bin
                      (biggan-deep-128/256/512 or anything in that format), loaded strictly
  --checkpoint PT     a checkpoint of train_biggan.py (full or compact; its G_ema)
  --random ...        random weights in the official architecture, seeded (for converter tests)

Writes into --out: generator.onnx (z [N, z_dim], c [N, c_dim] float, truncation [1] -> img
[N, 3, R, R] in [-1, 1]; spectral norm folded, batch-norm statistics mixed from the truncation
with tensor ops, dynamic batch) and manifest.json (+ samples.png and ATTRIBUTION.txt when asked).
Then verifies: the PyTorch forward for 3 seeds (z = truncation * scipy truncnorm(-2, 2) from
RandomState(seed), as pytorch_pretrained_biggan.truncated_noise_sample draws it) at several
truncations, one-hot and blended classes, against onnxruntime-web in Node
(biggan/check_conditional.mjs); the max abs error is printed and one beyond the tolerance exits
non-zero. The verification JSON goes to --verify-json, else to a temporary folder removed after a
passing check; --no-verify skips the comparison. Wrong input is refused in one line before
anything is written.

Examples:
  /usr/bin/python3 models/tools/export_biggan.py --checkpoint ~/biggan-deep-128 --out /tmp/biggan-deep-128 \
      --license Apache-2.0 --attribution 'BigGAN-deep (DeepMind), converted by huggingface'
  /usr/bin/python3 models/tools/export_biggan.py --random --resolution 128 --small --out /tmp/rand-biggan
  /usr/bin/python3 models/tools/export_biggan.py --checkpoint models/tools/checkpoints/emoji-biggan.pt \
      --out models/emoji-biggan --id emoji-biggan --name 'Emoji BigGAN (demo)' --samples --attribution-file \
      models/tools/data/emoji-smileys/ATTRIBUTION.txt
"""
import argparse
import json
import os
import shutil
import sys

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS_DIR)
import cli  # noqa: E402

cli.require('torch', 'numpy', 'onnx', 'scipy')
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import scipy  # noqa: E402
import torch  # noqa: E402

from biggan.model import BigGAN, BigGANConfig, truncated_noise_sample  # noqa: E402
from export_stylegan import (OPSET, TOLERANCE_RULE, add_package_arguments, add_verify_arguments,  # noqa: E402
                             checked_op_counts, file_entry, float64_copy, package_id, package_metadata,
                             print_graph_summary, run_checker, verify_target, verify_tolerance,
                             add_fp16_argument, run_fp16)
from pngio import grid, write_png  # noqa: E402
from safe_load import CheckpointFormatError, UnsafeCheckpointError, load_torch_file  # noqa: E402

IMAGENET_CLASSES = os.path.join(TOOLS_DIR, 'biggan', 'imagenet_classes.txt')
CHECKER = os.path.join(TOOLS_DIR, 'biggan', 'check_conditional.mjs')
VERIFY_SEEDS = (0, 1, 42)
VERIFY_TRUNCATIONS = (1.0, 0.7, 0.4)


# ---------------------------------------------------------------------------------------------
# Sources.

def build_random(config, seed):
    """Random weights in the official architecture. Beyond PyTorch's default initialisation (which
    leaves every statistic row at mean 0 / variance 1 and the attention gain at 0), the rows, the
    final batch norm's affine and gamma are drawn too, and u, v get power iterations, so that a
    test exercises everything a real checkpoint uses."""
    torch.manual_seed(seed)
    G = BigGAN(config)
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for bn in G.batch_norms():
            bn.running_means.copy_(0.2 * torch.randn(bn.running_means.shape, generator=gen))
            bn.running_vars.copy_(0.5 + torch.rand(bn.running_vars.shape, generator=gen))
        G.generator.bn.weight.copy_(1 + 0.2 * torch.randn(G.generator.bn.weight.shape, generator=gen))
        G.generator.bn.bias.copy_(0.1 * torch.randn(G.generator.bn.bias.shape, generator=gen))
        for name, p in G.named_parameters():
            if name.endswith('.gamma'):
                p.copy_(0.5 + torch.rand(p.shape, generator=gen))
    G.power_iterate(20)
    return G.eval()


def small_config(resolution, channel_width=4, num_classes=10, z_dim=32):
    """The published biggan-deep-<resolution> layout at a tiny width (seconds to build and run)."""
    return BigGANConfig.deep(resolution, channel_width=channel_width, num_classes=num_classes,
                             z_dim=z_dim, class_embed_dim=z_dim)


def load_training_checkpoint(path):
    """A train_biggan.py checkpoint: its export-ready G_ema (standing statistics filled). Read
    with safe_load (no code from the file runs); anything else is an InputError."""
    try:
        ckpt = load_torch_file(path)
    except (UnsafeCheckpointError, CheckpointFormatError) as error:
        raise cli.InputError(str(error)) from error
    if not isinstance(ckpt, dict) or not {'config', 'G_ema', 'class_names'} <= set(ckpt):
        raise cli.InputError(f'{path} is not a train_biggan.py checkpoint (no config / G_ema / class_names); '
                         'for a pytorch-pretrained-BigGAN model pass the folder holding config.json and '
                         'pytorch_model.bin')
    G = BigGAN(BigGANConfig.from_dict(ckpt['config']))
    G.load_state_dict({k: v.float() for k, v in ckpt['G_ema'].items()}, strict=True)
    return G.eval(), ckpt


def default_class_names(num_classes):
    if num_classes == 1000:
        with open(IMAGENET_CLASSES, encoding='utf-8') as fh:
            names = [line.rstrip('\n') for line in fh]
        assert len(names) == 1000, IMAGENET_CLASSES
        return names
    return [f'class {i}' for i in range(num_classes)]


# ---------------------------------------------------------------------------------------------
# Writers.

def export_onnx(G_folded, path):
    cfg = G_folded.config
    z = torch.zeros(2, cfg.z_dim)
    c = torch.zeros(2, cfg.num_classes)
    c[:, 0] = 1
    truncation = torch.tensor([0.5])
    with torch.no_grad():
        torch.onnx.export(G_folded.eval(), (z, c, truncation), path, input_names=['z', 'c', 'truncation'],
                          output_names=['img'], opset_version=OPSET, do_constant_folding=True,
                          export_params=True,
                          dynamic_axes={'z': {0: 'batch'}, 'c': {0: 'batch'}, 'img': {0: 'batch'}})
    # The tracer leaves img's H and W symbolic although every shape in the graph is static; declare
    # them, and let ONNX's strict shape inference reject the declaration if the graph disagrees.
    m = onnx.load(path)
    dims = m.graph.output[0].type.tensor_type.shape.dim
    for d, v in zip(dims[1:], (3, cfg.output_dim, cfg.output_dim)):
        d.dim_value = v
    onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    onnx.save(m, path)


def check_graph(path, config):
    """Structural checks without a runtime: valid model, no grouped Conv, no Random*, dynamic
    batch on z / c / img, truncation [1], fixed C/H/W."""
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = checked_op_counts(m, path)
    dims = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in list(m.graph.input) + list(m.graph.output)}
    R = config.output_dim
    expected = {'z': ['batch', config.z_dim], 'c': ['batch', config.num_classes], 'truncation': [1],
                'img': ['batch', 3, R, R]}
    assert dims == expected, f'{path}: inputs/outputs {dims}, expected {expected}'
    print_graph_summary(path, ops)


def class_vector(c_dim, classes, weights=None):
    v = np.zeros((1, c_dim), np.float32)
    for k, cls in enumerate(classes):
        v[0, cls] = 1.0 if weights is None else weights[k]
    return v


def verification_doc(G, out_dir, seeds=VERIFY_SEEDS, truncations=VERIFY_TRUNCATIONS):
    """The studio's seed -> z -> image path in PyTorch, as check_conditional.mjs reads it: one-hot
    class `seed % c_dim`, and at truncation 1 also a 70/30 blend with the next class. `img` is the
    float64 reference (a float64 copy of G on the same float32 inputs); `tolerance` comes from how
    far G's float32 outputs are from it (export_stylegan.verify_tolerance, as for StyleGAN)."""
    cfg = G.config
    G64 = float64_copy(G)
    cases, refs = [], []
    err32 = 0.0
    with torch.no_grad():
        for t in truncations:
            for seed in seeds:
                z = truncated_noise_sample(1, cfg.z_dim, t, seed)
                a, b = seed % cfg.num_classes, (seed + 1) % cfg.num_classes
                variants = [(f'class {a}', class_vector(cfg.num_classes, [a]))]
                if t == 1.0 and a != b:
                    variants.append((f'0.7 class {a} + 0.3 class {b}', class_vector(cfg.num_classes, [a, b], [0.7, 0.3])))
                for label, c in variants:
                    zt, ct, tt = torch.from_numpy(z), torch.from_numpy(c), torch.tensor([t], dtype=torch.float32)
                    img = G(zt, ct, tt)
                    img64 = G64(zt.double(), ct.double(), tt.double())
                    err32 = max(err32, float((img.double() - img64).abs().max()))
                    refs.append(img64.numpy().ravel())
                    cases.append(dict(seed=seed, truncation=t, label=label, z=z[0].tolist(), c=c[0].tolist(),
                                      img_shape=list(img64.shape), img=[round(v, 8) for v in img64.flatten().tolist()]))
    tolerance = verify_tolerance(np.concatenate(refs), err32)
    return dict(package=os.path.abspath(out_dir), reference='float64', tolerance=tolerance,
                tolerance_rule=TOLERANCE_RULE, torch_float32_error=dict(img=err32), cases=cases)


def write_samples(G, path, class_names, cols=8, truncation=1.0):
    """One row per class (at most 16), the same seeds 0..cols-1 in every row, studio semantics."""
    cfg = G.config
    rows = min(cfg.num_classes, 16)
    z = np.concatenate([truncated_noise_sample(1, cfg.z_dim, truncation, s) for s in range(cols)])
    with torch.no_grad():
        imgs = [G(torch.from_numpy(z), torch.from_numpy(np.repeat(class_vector(cfg.num_classes, [r]), cols, 0)),
                  torch.tensor([truncation])).clamp(-1, 1).numpy() for r in range(rows)]
    g = grid(np.concatenate(imgs), cols)
    scale = max(1, 64 // cfg.output_dim)
    write_png(path, np.kron(g, np.ones((scale, scale, 1), np.uint8)))
    print(f'samples: {path} (rows: {", ".join(class_names[:rows])}; seeds 0..{cols - 1}; truncation {truncation})')


def load_pretrained(folder):
    """A pytorch-pretrained-BigGAN folder, strictly; a missing or mismatched file is an InputError."""
    try:
        return BigGAN.from_pretrained(folder)
    except (FileNotFoundError, UnsafeCheckpointError, CheckpointFormatError) as error:
        raise cli.InputError(str(error)) from error
    except (KeyError, TypeError, json.JSONDecodeError) as error:  # from reading config.json
        raise cli.InputError(f'{os.path.join(folder, "config.json")} is not a pytorch-pretrained-BigGAN config '
                             f'({type(error).__name__}: {error})') from error
    except RuntimeError as error:  # from_pretrained's strict-load message names the tensors
        raise cli.InputError(str(error).splitlines()[0]) from error


def export_package(G, out_dir, *, model_id, name, license, attribution, source, class_names,
                   generator_extra=None, verify_json=None, samples=False, attribution_file=None):
    """Write generator.onnx and manifest.json (+ samples.png, ATTRIBUTION.txt) into out_dir and
    the verification data to verify_json. Returns the manifest."""
    cfg = G.config
    if len(class_names) != cfg.num_classes:
        raise ValueError(f'{len(class_names)} class names for {cfg.num_classes} classes')
    os.makedirs(out_dir, exist_ok=True)
    G_folded = G.fold_for_export()
    onnx_path = os.path.join(out_dir, 'generator.onnx')
    export_onnx(G_folded, onnx_path)
    check_graph(onnx_path, cfg)

    extra_files = []
    if samples:
        write_samples(G_folded, os.path.join(out_dir, 'samples.png'), class_names)
        extra_files.append('samples.png')
    if attribution_file:
        shutil.copyfile(attribution_file, os.path.join(out_dir, 'ATTRIBUTION.txt'))
        extra_files.append('ATTRIBUTION.txt')
    files = {f: file_entry(os.path.join(out_dir, f)) for f in ['generator.onnx', *extra_files]}

    generator = dict(
        source=source,
        architecture='BigGAN-deep (huggingface pytorch-pretrained-BigGAN model.BigGAN)',
        config=cfg.to_dict(),
        z_distribution=('truncation * truncnorm(-2, 2): scipy.stats.truncnorm.rvs(-2, 2, size=(1, z_dim), '
                        'random_state=numpy.random.RandomState(seed)) as float32 (pytorch_pretrained_biggan '
                        f'truncated_noise_sample; verified with scipy {scipy.__version__})'),
        truncation=dict(input='truncation', min=0.0, max=1.0, rows=cfg.n_stats, row_step=1 / (cfg.n_stats - 1),
                        note='mixes the stored batch-norm statistic rows with the reference weighting; '
                             'the same value also scales z'),
        exporter=f'torch {torch.__version__} tracing exporter, ONNX opset {OPSET}; spectral norm folded',
    )
    generator.update(generator_extra or {})
    manifest = dict(
        format=1, id=model_id, name=name, license=license, attribution=attribution, family='conditional',
        resolution=cfg.output_dim, img_channels=3, z_dim=cfg.z_dim, w_dim=0, num_ws=0,
        c_dim=cfg.num_classes, class_names=list(class_names), output_range=[-1, 1],
        graphs=dict(generator=dict(file='generator.onnx', inputs=['z', 'c', 'truncation'], outputs=['img'])),
        files=files, generator=generator)
    with open(os.path.join(out_dir, 'manifest.json'), 'w') as fh:
        json.dump(manifest, fh, indent=2)
        fh.write('\n')

    if verify_json:
        doc = verification_doc(G, out_dir)
        os.makedirs(os.path.dirname(os.path.abspath(verify_json)), exist_ok=True)
        with open(verify_json, 'w') as fh:
            json.dump(doc, fh)
        print(f'verification data: {verify_json}  (PyTorch float32 vs float64: img '
              f'{doc["torch_float32_error"]["img"]:.2e}; tolerance {doc["tolerance"]:.2e})')
    return manifest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument('--checkpoint', help='pytorch-pretrained-BigGAN folder, or a train_biggan.py .pt')
    src.add_argument('--random', action='store_true', help='random weights, official architecture')
    ap.add_argument('--out', required=True, help='package folder to write')
    ap.add_argument('--resolution', type=int, default=128, choices=(128, 256, 512), help='--random only')
    ap.add_argument('--small', action='store_true',
                    help='--random only: channel_width 4, 10 classes, z_dim 32 (a few MB, for tests)')
    ap.add_argument('--seed', type=int, default=0, help='--random only')
    add_package_arguments(ap)
    ap.add_argument('--attribution-file', default=None, help='copied into the package as ATTRIBUTION.txt')
    ap.add_argument('--class-names', default=None, help='text file, one class name per line')
    ap.add_argument('--samples', action='store_true', help='also write samples.png (a row per class)')
    add_verify_arguments(ap)
    add_fp16_argument(ap)
    args = ap.parse_args()
    torch.set_num_threads(1)

    cli.output_folder(args.out)
    if args.checkpoint and not os.path.isdir(args.checkpoint):
        cli.existing_file(args.checkpoint, '--checkpoint')
    for flag, path in (('--class-names', args.class_names), ('--attribution-file', args.attribution_file)):
        if path:
            cli.existing_file(path, flag)
    model_id = package_id(args)
    extra = {}
    class_names = None
    if args.random:
        cfg = small_config(args.resolution) if args.small else BigGANConfig.deep(args.resolution)
        G = build_random(cfg, args.seed)
        source, extra = 'random', dict(seed=args.seed)
        license_, attribution = 'CC0-1.0', 'Random weights (Latent Studio export_biggan.py)'
    elif os.path.isdir(args.checkpoint):
        G = load_pretrained(args.checkpoint)
        source = 'pytorch-pretrained-BigGAN folder (config.json + pytorch_model.bin)'
        license_, attribution = 'see source', f'BigGAN-deep weights from {os.path.basename(os.path.normpath(args.checkpoint))}'
    else:
        G, ckpt = load_training_checkpoint(args.checkpoint)
        source = 'train_biggan.py checkpoint'
        class_names = ckpt['class_names']
        extra = dict(step=int(ckpt['step']), kimg=round(float(ckpt['kimg']), 2), training=ckpt.get('train_info', {}))
        license_, attribution = ckpt.get('license', 'CC-BY-4.0'), ckpt.get('attribution', 'train_biggan.py')
    if args.class_names:
        with open(args.class_names, encoding='utf-8') as fh:
            class_names = [line.strip() for line in fh if line.strip()]
    class_names = class_names or default_class_names(G.config.num_classes)
    if len(class_names) != G.config.num_classes:
        raise cli.InputError(f'{len(class_names)} class names for a generator of {G.config.num_classes} classes; '
                             'give one name per line, one line per class')

    verify, tmp_dir = verify_target(args, model_id)
    export_package(G, args.out, **package_metadata(args, model_id, license_, attribution), source=source, class_names=class_names, generator_extra=extra, verify_json=verify,
                   samples=args.samples, attribution_file=args.attribution_file)
    print(f'wrote {args.out}')
    if verify and run_checker(CHECKER, verify, tmp_dir) != 0:
        sys.exit('ONNX output differs from the PyTorch forward beyond the tolerance (see above)')
    if args.fp16 and run_fp16(args.out) != 0:
        sys.exit('the float16 twin could not be made (see above); the float32 package is complete')


if __name__ == '__main__':
    cli.run(main)
