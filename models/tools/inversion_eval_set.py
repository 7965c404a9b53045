#!/usr/bin/python3
"""Write the inversion evaluation set (issue 14's measure): pictures no training, test or demo uses.

  DIR/generated/00.png … 19.png  emoji-stylegan at psi = 1 from seeds 900000-900019 (z as
                                 gen_images.py draws it), const noise, as the studio renders them
  DIR/real/00.png … 19.png       20 OpenMoji faces (CC BY-SA 4.0; an emoji set other than the
                                 Noto / Twemoji images the model was trained on), drawn at 64 px
                                 on white by Chromium; DIR/real/SOURCES.txt names each one
All 64x64 RGB. Keep DIR out of the repository (the images are not ours to ship).

Setup (eval only, CI does not run it): npm --prefix models/tools/eval install --no-audit --no-fund
Run:   /usr/bin/python3 models/tools/inversion_eval_set.py --out /tmp/inversion-eval
"""
import argparse
import csv
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli  # noqa: E402

cli.require('torch', 'numpy')
import numpy as np  # noqa: E402
import torch  # noqa: E402

from export_stylegan import load_checkpoint, seed_z  # noqa: E402
from inversion import to_uint8  # noqa: E402
from pngio import write_png  # noqa: E402

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(os.path.dirname(TOOLS_DIR))
SEEDS = range(900000, 900020)
COUNT = 20


def write_generated(checkpoint, out):
    os.makedirs(out, exist_ok=True)
    G, _ = load_checkpoint(checkpoint)
    with torch.no_grad():
        for i, seed in enumerate(SEEDS):
            img = G(torch.from_numpy(seed_z(seed, G.z_dim)), None, noise_mode='const')
            write_png(os.path.join(out, f'{i:02d}.png'), to_uint8(img)[0])


def openmoji_faces(root):
    """COUNT OpenMoji 'smileys-emotion' faces, evenly spaced in the set's order, without skin tones."""
    with open(os.path.join(root, 'data', 'openmoji.csv'), newline='', encoding='utf-8') as fh:
        rows = [r for r in csv.DictReader(fh) if r['group'] == 'smileys-emotion' and r['subgroups'].startswith('face-')
                and not r['skintone'] and os.path.isfile(os.path.join(root, 'color', 'svg', f'{r["hexcode"]}.svg'))]
    rows.sort(key=lambda r: float(r['order'] or 0))
    if len(rows) < COUNT:
        raise cli.InputError(f'{root} lists only {len(rows)} face emoji; is it the openmoji npm package?')
    picks = np.linspace(0, len(rows) - 1, COUNT).round().astype(int)
    return [rows[i] for i in picks]


def write_real(root, out, size):
    os.makedirs(out, exist_ok=True)
    faces = openmoji_faces(root)
    svgs = [os.path.join(root, 'color', 'svg', f'{r["hexcode"]}.svg') for r in faces]
    script = os.path.join(TOOLS_DIR, 'eval', 'rasterise_svg.mjs')
    subprocess.run(['node', script, str(size), out, *svgs], cwd=REPO_DIR, check=True)
    with open(os.path.join(out, 'SOURCES.txt'), 'w', encoding='utf-8') as fh:
        fh.write('OpenMoji (https://openmoji.org), CC BY-SA 4.0, from the npm package openmoji\n')
        for i, r in enumerate(faces):
            fh.write(f'{i:02d}.png  {r["hexcode"]}  {r["annotation"]}  by {r["openmoji_author"]}\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', required=True, help='folder for generated/ and real/ (outside the repository)')
    ap.add_argument('--checkpoint', default=os.path.join(TOOLS_DIR, 'checkpoints', 'emoji-stylegan.pt'))
    ap.add_argument('--openmoji', default=os.path.join(TOOLS_DIR, 'eval', 'node_modules', 'openmoji'),
                    help='the openmoji npm package folder')
    args = ap.parse_args()
    torch.set_num_threads(1)
    cli.output_folder(args.out)
    if not os.path.isdir(args.openmoji):
        raise cli.InputError(f'{args.openmoji} is missing: run npm --prefix models/tools/eval install --no-audit --no-fund')
    write_generated(cli.existing_file(args.checkpoint, '--checkpoint'), os.path.join(args.out, 'generated'))
    write_real(args.openmoji, os.path.join(args.out, 'real'), 64)
    print(f'wrote {args.out}/generated/00-19.png and {args.out}/real/00-19.png')


if __name__ == '__main__':
    cli.run(main)
