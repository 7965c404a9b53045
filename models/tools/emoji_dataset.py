#!/usr/bin/python3
"""Build the emoji training set from the npm packages emoji-datasource-google (Noto Emoji images,
Apache 2.0, Google) and emoji-datasource-twitter (Twemoji images, CC-BY 4.0, Twitter).

Only the freely licensed vendors are read (never the Apple or Facebook images), only emoji whose
`has_img_<vendor>` flag is set, and only the 64 px files under img/<vendor>/64/. RGBA is composited
onto white.

Setup: npm --prefix models/tools install --no-audit --no-fund
Run:   /usr/bin/python3 models/tools/emoji_dataset.py [--category 'Smileys & Emotion'|all] [--out DIR]

Writes into --out (default models/tools/data/emoji-smileys):
  images.npy       uint8 [N, 3, 64, 64]
  labels.json      per image: vendor, unified, short_name, category, subcategory, class (index
                   into `classes`, the subcategories, for a later class-conditional model)
  ATTRIBUTION.txt  the licences the images come under (Twemoji requires attribution)
  preview.png      a grid of the first images
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pngio import read_png, write_png  # noqa: E402

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
VENDORS = ('google', 'twitter')  # freely licensed sets only

ATTRIBUTION = """Emoji images used to train the Latent Studio demo model

Noto Emoji images (vendor "google"): Copyright Google Inc., licensed under the Apache License,
Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0). Source: https://github.com/googlefonts/noto-emoji

Twemoji images (vendor "twitter"): Copyright Twitter, Inc. and other contributors, licensed under
CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Source: https://github.com/twitter/twemoji
(now maintained as https://github.com/jdecked/twemoji).

Image files taken from the npm packages emoji-datasource-google and emoji-datasource-twitter
(emoji-data by Cal Henderson, MIT licence, https://github.com/iamcal/emoji-data), 64 px PNGs,
composited onto white and stored as uint8 arrays.
"""


def load_vendor(vendor, categories):
    root = os.path.join(TOOLS_DIR, 'node_modules', f'emoji-datasource-{vendor}')
    if not os.path.isdir(root):
        sys.exit(f'{root} is missing: run npm --prefix models/tools install --no-audit --no-fund')
    with open(os.path.join(root, 'emoji.json')) as fh:
        entries = json.load(fh)
    entries.sort(key=lambda e: e['sort_order'])
    out = []
    for e in entries:
        if categories is not None and e['category'] not in categories:
            continue
        if not e.get(f'has_img_{vendor}'):
            continue
        path = os.path.join(root, 'img', vendor, '64', e['image'])
        if not os.path.exists(path):
            continue
        rgba = read_png(path).astype(np.float32)
        if rgba.shape[:2] != (64, 64):
            continue
        alpha = rgba[..., 3:] / 255.0
        rgb = rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)  # onto white
        img = np.clip(np.rint(rgb), 0, 255).astype(np.uint8).transpose(2, 0, 1)
        out.append((img, dict(vendor=vendor, unified=e['unified'], short_name=e['short_name'],
                              category=e['category'], subcategory=e['subcategory'])))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--category', action='append', default=None,
                    help="emoji category to keep (repeatable); 'all' keeps every category. "
                         "Default: 'Smileys & Emotion'")
    ap.add_argument('--out', default=os.path.join(TOOLS_DIR, 'data', 'emoji-smileys'))
    args = ap.parse_args()
    cats = args.category or ['Smileys & Emotion']
    categories = None if 'all' in cats else set(cats)

    items = []
    for vendor in VENDORS:
        got = load_vendor(vendor, categories)
        print(f'{vendor}: {len(got)} images')
        items += got
    images = np.stack([im for im, _ in items])
    labels = [lab for _, lab in items]
    classes = sorted({f"{lab['category']}/{lab['subcategory']}" for lab in labels})
    for lab in labels:
        lab['class'] = classes.index(f"{lab['category']}/{lab['subcategory']}")

    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, 'images.npy'), images)
    with open(os.path.join(args.out, 'labels.json'), 'w') as fh:
        json.dump(dict(classes=classes, images=labels), fh, indent=0)
    with open(os.path.join(args.out, 'ATTRIBUTION.txt'), 'w') as fh:
        fh.write(ATTRIBUTION)
    n = min(64, len(images))
    g = np.full((8 * 64, 8 * 64, 3), 255, np.uint8)
    for i in range(n):
        r, c = divmod(i, 8)
        g[r * 64:(r + 1) * 64, c * 64:(c + 1) * 64] = images[i * len(images) // n].transpose(1, 2, 0)
    write_png(os.path.join(args.out, 'preview.png'), g)
    print(f'{len(images)} images {images.shape}, {len(classes)} classes -> {args.out}')


if __name__ == '__main__':
    main()
