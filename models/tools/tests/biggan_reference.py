#!/usr/bin/python3
"""The Python side of the TypeScript BigGAN converter's tests (app/checkpoint/biggan.test.ts).

NETS is a JSON object {name: {config, seed, seeds, truncations}}: per net, a config.json (the
pytorch_pretrained_biggan keys), the weight seed and the cases' seeds and truncations. For each
net, a random-weight BigGAN-deep in the official huggingface layout goes into OUT/<name>/:
  hf/config.json + hf/pytorch_model.bin   the pytorch-pretrained-BigGAN folder (zip torch.save)
  hf-legacy/...                           the same, in the legacy (pre-1.6) torch.save format
  pkg/                                    what export_biggan.py --checkpoint hf writes
Prints one JSON document {name: {package, cases}}: per case (seed, class vector, truncation), z,
the image of the exporter's PyTorch model (float32, eval mode) and the image of a literal
restatement of the reference forward (test_biggan.py ref_forward) in float64, with that
restatement's float32 spread, so the caller can state its bound against the reference's own.
At the last truncation every seed also gets a 60/40 blend with the next class.

Usage: biggan_reference.py OUT NETS_JSON
"""
import json
import os
import subprocess
import sys

import torch

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
TOOLS_DIR = os.path.dirname(TESTS_DIR)
sys.path.insert(0, TOOLS_DIR)
sys.path.insert(0, TESTS_DIR)
from biggan.model import BigGANConfig, truncated_noise_sample  # noqa: E402
from export_biggan import build_random, class_vector  # noqa: E402
from test_biggan import ref_forward  # noqa: E402


def write_folder(G, config, folder, legacy):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'config.json'), 'w') as fh:
        json.dump(config, fh, indent=2, sort_keys=True)
    torch.save(G.state_dict(), os.path.join(folder, 'pytorch_model.bin'),
               _use_new_zipfile_serialization=not legacy)


def reference_net(out, config, seed, seeds, truncations):
    G = build_random(BigGANConfig.from_dict(config), seed)
    write_folder(G, config, os.path.join(out, 'hf'), legacy=False)
    write_folder(G, config, os.path.join(out, 'hf-legacy'), legacy=True)
    sd32 = {k: v.detach().clone() for k, v in G.state_dict().items()}
    sd64 = {k: v.double() for k, v in sd32.items()}

    pkg = os.path.join(out, 'pkg')
    res = subprocess.run([sys.executable, os.path.join(TOOLS_DIR, 'export_biggan.py'), '--checkpoint',
                          os.path.join(out, 'hf'), '--out', pkg, '--id', 'test-biggan', '--no-verify'],
                         capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f'export_biggan.py failed:\n{res.stdout}\n{res.stderr}')

    nc, zd = config['num_classes'], config['z_dim']
    cases = []
    with torch.no_grad():
        for t in truncations:
            for s in seeds:
                a, b = s % nc, (s + 1) % nc
                variants = [(f'class {a}', class_vector(nc, [a]))]
                if t == truncations[-1]:
                    variants.append((f'0.6 class {a} + 0.4 class {b}', class_vector(nc, [a, b], [0.6, 0.4])))
                for label, c in variants:
                    z = truncated_noise_sample(1, zd, t, s)
                    zt, ct = torch.from_numpy(z), torch.from_numpy(c)
                    img = G(zt, ct, torch.tensor([t], dtype=torch.float32))
                    ref64 = ref_forward(sd64, config, zt.double(), ct.double(), t)
                    ref32 = ref_forward(sd32, config, zt, ct, t)
                    cases.append(dict(seed=s, truncation=t, label=label, class_index=a, z=z[0].tolist(),
                                      c=c[0].tolist(), img=img.flatten().tolist(), ref64=ref64.flatten().tolist(),
                                      ref32_spread=float((ref32.double() - ref64).abs().max())))
    return dict(package=pkg, cases=cases)


def main():
    out, nets = sys.argv[1], json.loads(sys.argv[2])
    torch.set_num_threads(1)
    doc = {name: reference_net(os.path.join(out, name), net['config'], net['seed'], net['seeds'], net['truncations'])
           for name, net in nets.items()}
    print(json.dumps(doc))


if __name__ == '__main__':
    main()
