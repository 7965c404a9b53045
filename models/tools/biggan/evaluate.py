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
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

TOOLS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TOOLS_DIR)
from biggan.model import truncated_noise_sample  # noqa: E402
from eval_diversity import diversity_measures, write_report  # noqa: E402
from export_biggan import load_training_checkpoint  # noqa: E402
from train_biggan import load_classes  # noqa: E402
from training import load_data  # noqa: E402


def evaluate(G, reals, labels, n=64, seed=0):
    rng = np.random.RandomState(seed)
    pick = rng.choice(len(reals), size=min(n, len(reals)), replace=False)
    z = torch.from_numpy(np.concatenate([truncated_noise_sample(1, G.config.z_dim, 1.0, s) for s in range(len(pick))]))
    c = F.one_hot(torch.from_numpy(labels[pick]), G.config.num_classes).float()
    with torch.no_grad():
        samples = G(z, c, 1.0).clamp(-1, 1).double().numpy()
    reals = reals.double().numpy()
    res, nearest = diversity_measures(samples, reals[pick], reals)
    return res, samples, nearest


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
    write_report(res, samples, nearest, args.json, args.png)


if __name__ == '__main__':
    main()
