#!/usr/bin/python3
"""Measure inversion on the evaluation set of inversion_eval_set.py: PSNR and SSIM of the picture
each method's ws draws (the package's const noise, as the studio renders) against the target.

Rows (--rows, comma-separated):
  w_avg          every target gets w_avg (the baseline every stage must beat)
  encoder        the package's encoder.onnx alone (run by onnxruntime-web, as the studio runs it)
  project-w      project.py in W: --steps steps from w_avg, pixel + multi-scale loss
  project-wplus  then --w-plus-steps of W+ fine-tuning from that result
Measures, per image, then the mean over the 20 images of a set:
  PSNR  10 log10(255^2 / MSE) in dB, MSE over all pixels and RGB channels of the uint8 pictures
        ((x * 127.5 + 128) clamped to [0, 255] and truncated, as the studio converts)
  SSIM  Wang et al. 2004 on each RGB channel, 11x11 Gaussian window (sigma 1.5), K1 0.01,
        K2 0.03, L 255, valid windows only, averaged over windows and channels
Results merge into --json (rows measured earlier stay); --table prints the markdown table.

  /usr/bin/python3 models/tools/eval_inversion.py --set /tmp/inversion-eval \\
      --checkpoint models/tools/checkpoints/emoji-stylegan.pt --package models/emoji-stylegan \\
      --rows w_avg,encoder,project-w,project-wplus --json docs/inversion-python.json --table
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli  # noqa: E402

cli.require('torch', 'numpy', 'scipy')
import numpy as np  # noqa: E402
import torch  # noqa: E402

from inversion import add_generator_arguments, load_generator_from_args, psnr, read_target, ssim, to_uint8  # noqa: E402
from project import encoder_guess, project  # noqa: E402

SETS = ('generated', 'real')
ROWS = ('w_avg', 'encoder', 'project-w', 'project-wplus')
MEASURES = ('PSNR per image in dB on uint8 RGB [0, 255] (all pixels and channels), then the mean over images; '
            'SSIM per RGB channel, 11x11 Gaussian window sigma 1.5, K1 0.01, K2 0.03, L 255, valid windows, '
            'mean over windows, channels and images')
LABELS = {'w_avg': 'w_avg (baseline)', 'encoder': '(a) encoder alone', 'project-w': '(c) project.py, W',
          'project-wplus': '(c) project.py, W then W+'}


def load_set(folder, G):
    files = sorted(f for f in os.listdir(folder) if f.endswith('.png'))
    if not files:
        raise cli.InputError(f'{folder} holds no PNGs; write the set with inversion_eval_set.py --out')
    return torch.cat([read_target(os.path.join(folder, f), G.img_resolution, G.img_channels) for f in files])


def measure(G, ws, targets):
    with torch.no_grad():
        got = to_uint8(G.synthesis(ws, noise_mode='const'))
    want = to_uint8(targets)
    p = [psnr(a, b) for a, b in zip(got, want)]
    s = [ssim(a, b) for a, b in zip(got, want)]
    return dict(psnr_db=float(np.mean(p)), ssim=float(np.mean(s)), psnr_per_image=[round(v, 3) for v in p],
                ssim_per_image=[round(v, 4) for v in s])


def table(results):
    lines = ['| method | generated PSNR (dB) | generated SSIM | real PSNR (dB) | real SSIM | time per image |',
             '|---|---|---|---|---|---|']
    for row in ROWS:
        if row not in results:
            continue
        r = results[row]
        cells = []
        for s in SETS:
            m = r.get(s)
            cells += [f'{m["psnr_db"]:.2f}', f'{m["ssim"]:.3f}'] if m else ['–', '–']
        lines.append(f'| {LABELS[row]}{r.get("note", "")} | ' + ' | '.join(cells) + f' | {r.get("time", "–")} |')
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_generator_arguments(ap)
    ap.add_argument('--set', required=True, help='folder with generated/ and real/ (inversion_eval_set.py)')
    ap.add_argument('--package', help='package folder whose encoder.onnx the encoder row runs')
    ap.add_argument('--rows', default=','.join(ROWS))
    ap.add_argument('--steps', type=int, default=300, help='project.py W steps')
    ap.add_argument('--w-plus-steps', type=int, default=200, help='project.py W+ steps after W')
    ap.add_argument('--json', required=True, help='results file (merged with what it holds)')
    ap.add_argument('--table', action='store_true', help='print the markdown table of the results')
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(303)
    rows = [r for r in args.rows.split(',') if r]
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        raise cli.InputError(f'--rows: unknown {", ".join(unknown)}; choose from {", ".join(ROWS)}')
    encoder = os.path.join(args.package or '', 'encoder.onnx')
    if 'encoder' in rows:
        cli.existing_file(encoder, 'the encoder (--package)')
    G = load_generator_from_args(args)
    results = {}
    if os.path.exists(args.json):
        with open(args.json) as fh:
            results = json.load(fh)['rows']
    for name in SETS:
        targets = load_set(os.path.join(args.set, name), G)
        n = targets.shape[0]
        if 'w_avg' in rows:
            # The manifest's w_avg (the tracked mean), where the studio's refinement starts.
            results.setdefault('w_avg', {})[name] = measure(G, G.mapping.w_avg.reshape(1, 1, -1).expand(n, G.num_ws, -1), targets)
        if 'encoder' in rows:
            t0 = time.time()
            ws = encoder_guess(encoder, targets)
            results.setdefault('encoder', {})[name] = measure(G, ws, targets)
            results['encoder']['time'] = f'{(time.time() - t0) / n * 1000:.0f} ms (onnxruntime-web WASM, batch {n}, incl. start)'
        if 'project-w' in rows or 'project-wplus' in rows:
            log = lambda msg: print(f'[{name}] {msg}', flush=True)  # noqa: E731
            t0 = time.time()
            ws, _, _ = project(G, targets, steps=args.steps, log=log)
            spent_w = time.time() - t0
            results.setdefault('project-w', {})[name] = measure(G, ws, targets)
            results['project-w']['time'] = f'{spent_w / n:.1f} s (PyTorch CPU, 1 thread, batch {n})'
            results['project-w']['note'] = f' ({args.steps} steps)'
            if 'project-wplus' in rows:
                t0 = time.time()
                ws, _, _ = project(G, targets, steps=0, init_ws=ws, w_plus_steps=args.w_plus_steps, log=log)
                results.setdefault('project-wplus', {})[name] = measure(G, ws, targets)
                results['project-wplus']['time'] = f'{(spent_w + time.time() - t0) / n:.1f} s (both stages)'
                results['project-wplus']['note'] = f' ({args.steps} + {args.w_plus_steps} steps)'
        print(f'{name}: ' + ', '.join(f'{r} {results[r][name]["psnr_db"]:.2f} dB / {results[r][name]["ssim"]:.3f}'
                                      for r in ROWS if r in results and name in results[r]), flush=True)
        with open(args.json, 'w') as fh:
            json.dump(dict(set=os.path.basename(os.path.normpath(args.set)), measures=MEASURES,
                           rows=results), fh, indent=1)
            fh.write('\n')
    if args.table:
        print(table(results))


if __name__ == '__main__':
    cli.run(main)
