#!/usr/bin/python3
"""Cheap diversity / memorisation check of a trained generator in pixel space (no LPIPS here).

  diversity ratio = mean pairwise distance of 64 samples / that of 64 real images    (target >= 0.6)
  novelty ratio   = median distance from a sample to its nearest training image
                    / median distance from a real image to its nearest *other* real  (target >= 0.5)

A collapsed generator fails the first; one that copies its training images fails the second.
Distances are RMS pixel differences of [-1, 1] images at the generator's resolution (training
images are area-downsampled to it). Samples use seeds 0..63, psi = 1, constant noise.

Run: /usr/bin/python3 models/tools/eval_diversity.py [--checkpoint models/tools/checkpoints/emoji-stylegan.pt]
     [--json out.json] [--png neighbours.png]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS_DIR)
from export_stylegan import load_checkpoint, seed_z  # noqa: E402
from pngio import grid, write_png  # noqa: E402
from training import load_data  # noqa: E402


def pairwise_rms(a, b):
    """RMS distance between every row of a [n, d] and b [m, d] (float64)."""
    a2 = (a * a).sum(1)[:, None]
    b2 = (b * b).sum(1)[None, :]
    d2 = np.maximum(a2 + b2 - 2 * a @ b.T, 0)
    return np.sqrt(d2 / a.shape[1])


def diversity_measures(samples, real_sel, reals):
    """The two ratios (module docstring) and their parts, for float64 [-1, 1] images: `samples`,
    the real images `real_sel` their diversity is compared with, and every training image
    `reals`. Returns (the numbers with 'pass', the training image nearest to each sample)."""
    s = samples.reshape(len(samples), -1)
    r = real_sel.reshape(len(real_sel), -1)
    train = reals.reshape(len(reals), -1)
    iu = np.triu_indices(len(s), 1)
    ju = np.triu_indices(len(r), 1)
    div_samples = pairwise_rms(s, s)[iu].mean()
    div_reals = pairwise_rms(r, r)[ju].mean()
    d_st = pairwise_rms(s, train)
    nn_sample = d_st.min(1)
    d_rr = pairwise_rms(train, train)
    np.fill_diagonal(d_rr, np.inf)
    nn_real = d_rr.min(1)
    res = dict(
        samples=len(s), train_images=len(train), resolution=int(samples.shape[-1]),
        mean_pairwise_samples=float(div_samples), mean_pairwise_reals=float(div_reals),
        diversity_ratio=float(div_samples / div_reals),
        median_nn_sample_to_train=float(np.median(nn_sample)),
        median_nn_real_to_other_real=float(np.median(nn_real)),
        novelty_ratio=float(np.median(nn_sample) / np.median(nn_real)))
    res['pass'] = bool(res['diversity_ratio'] >= 0.6 and res['novelty_ratio'] >= 0.5)
    return res, reals[d_st.argmin(1)]


def write_report(res, samples, nearest, json_path=None, png_path=None):
    """Print the numbers; optionally write them to json_path and, to png_path, the first 32
    samples (odd rows) above their nearest training images."""
    print(json.dumps(res, indent=1))
    if json_path:
        with open(json_path, 'w') as fh:
            json.dump(res, fh, indent=1)
    if png_path:
        rows = []
        for i in range(0, 32, 8):
            rows += [samples[i:i + 8], nearest[i:i + 8]]
        write_png(png_path, grid(np.concatenate(rows), 8))


def evaluate(G, data, n=64, seed=0):
    with torch.no_grad():
        z = torch.from_numpy(np.concatenate([seed_z(s, G.z_dim) for s in range(n)]))
        samples = G(z, None, noise_mode='const').clamp(-1, 1).double().numpy()
    reals = data.double().numpy()
    rng = np.random.RandomState(seed)
    real_sel = reals[rng.choice(len(reals), size=min(n, len(reals)), replace=False)]
    res, nearest = diversity_measures(samples, real_sel, reals)
    return res, samples, nearest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--checkpoint', default=os.path.join(TOOLS_DIR, 'checkpoints', 'emoji-stylegan.pt'))
    ap.add_argument('--data', default=os.path.join(TOOLS_DIR, 'data', 'emoji-smileys', 'images.npy'))
    ap.add_argument('--json', default=None, help='also write the numbers here')
    ap.add_argument('--png', default=None, help='write samples (odd rows) above their nearest training images')
    args = ap.parse_args()
    torch.set_num_threads(1)
    G, ck = load_checkpoint(args.checkpoint)
    data = load_data(args.data, G.img_resolution)
    res, samples, nearest = evaluate(G, data)
    res['checkpoint'] = args.checkpoint
    res['step'] = int(ck.get('step', 0))
    write_report(res, samples, nearest, args.json, args.png)


if __name__ == '__main__':
    main()
