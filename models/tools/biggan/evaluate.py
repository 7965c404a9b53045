#!/usr/bin/python3
"""Diversity / memorisation check of a train_biggan.py checkpoint, with eval_diversity.py's
pixel-space measures (targets: diversity ratio >= 0.6, novelty ratio >= 0.5):

  diversity ratio = mean pairwise distance of 64 samples / that of 64 real images
  novelty ratio   = median distance from a sample to its nearest training image
                    / median distance from a real image to its nearest *other* real image

The 64 real images are drawn at random from the training classes, and sample i gets the class of
real image i, so both sets share one class mix. Samples use the studio's path: z = truncnorm(-2, 2)
from RandomState(i), truncation 1, the exported (standing-statistics) generator.

Run: /usr/bin/python3 models/tools/biggan/evaluate.py [--checkpoint models/tools/checkpoints/emoji-biggan.pt]
     [--json out.json] [--png neighbours.png]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

TOOLS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TOOLS_DIR)
from biggan.model import truncated_noise_sample  # noqa: E402
from eval_diversity import pairwise_rms  # noqa: E402
from export_biggan import load_training_checkpoint  # noqa: E402
from pngio import grid, write_png  # noqa: E402
from train_biggan import load_classes  # noqa: E402
from train_stylegan import load_data  # noqa: E402


def evaluate(G, reals, labels, n=64, seed=0):
    rng = np.random.RandomState(seed)
    pick = rng.choice(len(reals), size=min(n, len(reals)), replace=False)
    z = torch.from_numpy(np.concatenate([truncated_noise_sample(1, G.config.z_dim, 1.0, s) for s in range(len(pick))]))
    c = F.one_hot(torch.from_numpy(labels[pick]), G.config.num_classes).float()
    with torch.no_grad():
        samples = G(z, c, 1.0).clamp(-1, 1).double().numpy()
    reals = reals.double().numpy()
    s = samples.reshape(len(samples), -1)
    r = reals[pick].reshape(len(pick), -1)
    train = reals.reshape(len(reals), -1)
    iu = np.triu_indices(len(s), 1)
    d_st = pairwise_rms(s, train)
    d_rr = pairwise_rms(train, train)
    np.fill_diagonal(d_rr, np.inf)
    res = dict(samples=len(s), train_images=len(train), resolution=int(samples.shape[-1]),
               mean_pairwise_samples=float(pairwise_rms(s, s)[iu].mean()),
               mean_pairwise_reals=float(pairwise_rms(r, r)[iu].mean()),
               median_nn_sample_to_train=float(np.median(d_st.min(1))),
               median_nn_real_to_other_real=float(np.median(d_rr.min(1))))
    res['diversity_ratio'] = res['mean_pairwise_samples'] / res['mean_pairwise_reals']
    res['novelty_ratio'] = res['median_nn_sample_to_train'] / res['median_nn_real_to_other_real']
    res['pass'] = bool(res['diversity_ratio'] >= 0.6 and res['novelty_ratio'] >= 0.5)
    return res, samples, reals[d_st.argmin(1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--checkpoint', default=os.path.join(TOOLS_DIR, 'checkpoints', 'emoji-biggan.pt'))
    ap.add_argument('--json', default=None, help='also write the numbers here')
    ap.add_argument('--png', default=None, help='write samples (odd rows) above their nearest training images')
    args = ap.parse_args()
    torch.set_num_threads(1)
    G, ck = load_training_checkpoint(args.checkpoint)
    data_path = os.path.join(os.path.dirname(os.path.dirname(TOOLS_DIR)), ck['args']['data']) \
        if not os.path.isabs(ck['args']['data']) else ck['args']['data']
    _, idx, cls = load_classes(os.path.dirname(data_path), ck['class_names'])
    reals = load_data(data_path, G.config.output_dim)[torch.from_numpy(idx)]
    res, samples, nearest = evaluate(G, reals, cls)
    res.update(checkpoint=os.path.relpath(args.checkpoint), step=int(ck['step']))
    print(json.dumps(res, indent=1))
    if args.json:
        with open(args.json, 'w') as fh:
            json.dump(res, fh, indent=1)
    if args.png:
        rows = []
        for i in range(0, 32, 8):
            rows += [samples[i:i + 8], nearest[i:i + 8]]
        write_png(args.png, grid(np.concatenate(rows), 8))


if __name__ == '__main__':
    main()
