#!/usr/bin/python3
"""Train and export the bundled 4x super-resolution stage (models/emoji-sr4x), an `image2image`
package the studio can chain after any generator on export.

Why a model of our own: no pretrained SR weights are reachable here, and the studio needs one
small stage that works out of the box. The net is ESPCN-like: convolutions at the input
resolution, then DepthToSpace (pixel shuffle) to 4x, added to a bilinear 4x upsample of the
input so the convolutions learn only the missing detail. It keeps to the WebGPU graph rules that
export_stylegan.py's check_graphs enforces (no grouped Conv, Conv input channels a multiple of 4
or 1): RGB is padded with one zero channel inside the graph.

Training pairs: each 64 px emoji (Noto + Twemoji, every category, models/tools/emoji_dataset.py
--category all) box-downscaled to 16 px (area) is the input, the 64 px image the target; L1 loss
on [0, 1] values, random flips and quarter turns. Every tenth image is held out for the PSNR
figure, which is compared against bicubic upscaling (PyTorch's, a = -0.75).

Run (one torch thread; checkpoints every --ckpt-minutes, a rerun resumes):
  /usr/bin/python3 models/tools/emoji_dataset.py --category all --out /work/train/i2i/emoji-all
  nohup /usr/bin/python3 models/tools/train_sr.py train --data /work/train/i2i/emoji-all \
      --run-dir /work/train/i2i > /work/train/i2i/log.txt 2>&1 &
  /usr/bin/python3 models/tools/train_sr.py export --data ... --run-dir ... --out models/emoji-sr4x
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pngio import write_png  # noqa: E402

SCALE = 4
FEATURES = 48
# Radius in input pixels that one output pixel depends on: 5x5 conv (2) + four 3x3 convs (4)
# + the bilinear residual (1). Tiles need at least this much overlap.
RECEPTIVE_FIELD = 7
ATTRIBUTION = ('Trained with Latent Studio (models/tools/train_sr.py) on emoji images: Noto Emoji '
               '(Copyright Google Inc., Apache License 2.0) and Twemoji (Copyright Twitter, Inc. and '
               'other contributors, CC-BY 4.0), taken from the npm packages emoji-datasource-google '
               'and emoji-datasource-twitter.')


class SR4x(torch.nn.Module):
    """img [N, 3, H, W] in [0, 1] -> [N, 3, 4H, 4W] in [0, 1] (clamped)."""

    def __init__(self, features=FEATURES):
        super().__init__()
        self.head = torch.nn.Conv2d(4, features, 5, padding=2)
        self.body = torch.nn.ModuleList(torch.nn.Conv2d(features, features, 3, padding=1) for _ in range(3))
        self.tail = torch.nn.Conv2d(features, 3 * SCALE * SCALE, 3, padding=1)
        torch.nn.init.zeros_(self.tail.weight)  # start as plain bilinear upscaling
        torch.nn.init.zeros_(self.tail.bias)

    def forward(self, img):
        x = F.pad(img, (0, 0, 0, 0, 0, 1))  # RGB -> 4 channels for WebGPU's Conv
        x = F.relu(self.head(x))
        for conv in self.body:
            x = F.relu(conv(x))
        detail = F.pixel_shuffle(self.tail(x), SCALE)
        base = F.interpolate(img, scale_factor=SCALE, mode='bilinear', align_corners=False)
        return torch.clamp(base + detail, 0.0, 1.0)


def load_pairs(data_dir):
    """(train, held-out) float [N, 3, 64, 64] in [0, 1]; every tenth image is held out."""
    images = np.load(os.path.join(data_dir, 'images.npy')).astype(np.float32) / 255.0
    idx = np.arange(len(images))
    return torch.from_numpy(images[idx % 10 != 0]), torch.from_numpy(images[idx % 10 == 0])


def downscale(hr):
    """Area downscale by 4 (a box filter: what a 64 px render averaged to 16 px looks like)."""
    return F.avg_pool2d(hr, SCALE)


def psnr(a, b):
    """Mean over images of 10·log10(1 / MSE) on [0, 1] values."""
    mse = ((a - b) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    return float((10 * torch.log10(1.0 / mse)).mean())


def evaluate(model, held):
    """PSNR of the model and of bicubic upscaling on the held-out images."""
    with torch.no_grad():
        lr = downscale(held)
        out = torch.cat([model(lr[i:i + 256]) for i in range(0, len(lr), 256)])
        bic = F.interpolate(lr, scale_factor=SCALE, mode='bicubic', align_corners=False).clamp(0, 1)
    return psnr(out, held), psnr(bic, held)


def augment(batch, gen):
    """Random horizontal flip and quarter turn, the same for a whole batch (cheap, and enough)."""
    if torch.rand(1, generator=gen).item() < 0.5:
        batch = batch.flip(3)
    k = int(torch.randint(0, 4, (1,), generator=gen).item())
    return torch.rot90(batch, k, (2, 3))


def train(args):
    torch.set_num_threads(1)
    os.makedirs(args.run_dir, exist_ok=True)
    ckpt_path = os.path.join(args.run_dir, 'sr4x.pt')
    train_set, held = load_pairs(args.data)
    model = SR4x()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(0)
    step = 0
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck['model'])
        opt.load_state_dict(ck['opt'])
        gen.set_state(ck['gen'])
        step = ck['step']
        print(f'resumed at step {step}', flush=True)
    print(f'{len(train_set)} training / {len(held)} held-out images, '
          f'{sum(p.numel() for p in model.parameters())} parameters', flush=True)

    def save():
        torch.save(dict(model=model.state_dict(), opt=opt.state_dict(), gen=gen.get_state(), step=step),
                   ckpt_path + '.tmp')
        os.replace(ckpt_path + '.tmp', ckpt_path)

    t0, last_ckpt, first_step = time.time(), time.time(), step
    while step < args.steps:
        lr = args.lr * 0.5 * (1 + np.cos(np.pi * step / args.steps))  # cosine decay to 0
        for g in opt.param_groups:
            g['lr'] = lr
        pick = torch.randint(0, len(train_set), (args.batch,), generator=gen)
        hr = augment(train_set[pick], gen)
        loss = (model(downscale(hr)) - hr).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0 or step == args.steps:
            rate = (time.time() - t0) / (step - first_step)
            print(f'step {step}/{args.steps} L1 {loss.item():.4f} lr {lr:.2e} '
                  f'{rate:.3f} s/step, ~{(args.steps - step) * rate / 60:.1f} min left', flush=True)
        if step % 1000 == 0 or step == args.steps:
            model.eval()
            ours, bic = evaluate(model, held)
            model.train()
            print(f'step {step}: held-out PSNR {ours:.2f} dB (bicubic {bic:.2f} dB)', flush=True)
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            save()
            last_ckpt = time.time()
    save()
    print('done', flush=True)


def sha256(path):
    with open(path, 'rb') as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def check_graph(path, input_name, output_name):
    """The WebGPU graph rules (export_stylegan.checked_op_counts plus the Conv channel rule) and
    the family's shape rule: one input and one output, [N, 3, H, W] with N, H, W symbolic."""
    import onnx
    from export_stylegan import checked_op_counts, print_graph_summary
    m = onnx.load(path)
    onnx.checker.check_model(m)
    weights = {t.name: list(t.dims) for t in m.graph.initializer}

    def check_node(node):
        if node.op_type == 'Conv':
            w = weights[node.input[1]]
            assert w[1] % 4 == 0 or w[1] == 1, f'Conv {node.name} with weight {w}'
    ops = checked_op_counts(m, os.path.basename(path), check_node)
    inputs = [v for v in m.graph.input if v.name not in weights]
    assert [v.name for v in inputs] == [input_name] and [v.name for v in m.graph.output] == [output_name]
    for v in inputs + list(m.graph.output):
        dims = v.type.tensor_type.shape.dim
        assert [d.HasField('dim_value') for d in dims] == [False, True, False, False], f'{v.name}: {dims}'
        assert dims[1].dim_value == 3
    print_graph_summary(path, ops)


def export(args):
    torch.set_num_threads(1)
    ck = torch.load(os.path.join(args.run_dir, 'sr4x.pt'))
    model = SR4x()
    model.load_state_dict(ck['model'])
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, 'sr4x.onnx')
    with torch.no_grad():
        torch.onnx.export(model, torch.zeros(1, 3, 16, 16), onnx_path, opset_version=17,
                          input_names=['img'], output_names=['out'],
                          dynamic_axes={'img': {0: 'N', 2: 'H', 3: 'W'}, 'out': {0: 'N', 2: 'H4', 3: 'W4'}})
    check_graph(onnx_path, 'img', 'out')

    _, held = load_pairs(args.data)
    ours, bic = evaluate(model, held)
    print(f'held-out PSNR after {ck["step"]} steps: model {ours:.2f} dB, bicubic {bic:.2f} dB')

    # samples.png: rows of (16 px input nearest-upscaled | bicubic | model | 64 px target).
    pick = held[torch.linspace(0, len(held) - 1, 8).long()]
    with torch.no_grad():
        lr = downscale(pick)
        cols = [F.interpolate(lr, scale_factor=SCALE, mode='nearest'),
                F.interpolate(lr, scale_factor=SCALE, mode='bicubic', align_corners=False).clamp(0, 1),
                model(lr), pick]
    rows = [torch.cat(list(c[i:i + 1] for c in cols), 3)[0] for i in range(len(pick))]
    sheet = (torch.cat(rows, 1).permute(1, 2, 0).numpy() * 255).round().clip(0, 255).astype(np.uint8)
    write_png(os.path.join(args.out, 'samples.png'), sheet)

    with open(os.path.join(args.data, 'ATTRIBUTION.txt')) as fh:
        data_attribution = fh.read()
    with open(os.path.join(args.out, 'ATTRIBUTION.txt'), 'w') as fh:
        fh.write(ATTRIBUTION + '\n\n' + data_attribution)
    manifest = dict(
        format=1, id='emoji-sr4x', name='Emoji 4x super-resolution', family='image2image',
        license='CC-BY-4.0', attribution=ATTRIBUTION,
        description=(f'ESPCN-like 4x upscaler trained here on 64 px emoji downscaled to 16 px; held-out '
                     f'PSNR {ours:.2f} dB vs bicubic {bic:.2f} dB ({ck["step"]} steps).'),
        scale=SCALE, img_channels=3, input_range=[0, 1], output_range=[0, 1],
        receptive_field=RECEPTIVE_FIELD, tile=dict(size=128, overlap=8),
        graphs=dict(model=dict(file='sr4x.onnx', inputs=['img'], outputs=['out'])),
        files={'sr4x.onnx': dict(sha256=sha256(onnx_path), bytes=os.path.getsize(onnx_path))},
        training=dict(steps=ck['step'], psnr_db=round(ours, 2), bicubic_psnr_db=round(bic, 2)),
    )
    with open(os.path.join(args.out, 'manifest.json'), 'w') as fh:
        json.dump(manifest, fh, indent=2)
        fh.write('\n')
    print(f'wrote {args.out}')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('command', choices=['train', 'export'])
    ap.add_argument('--data', required=True, help='emoji_dataset.py output folder (images.npy)')
    ap.add_argument('--run-dir', required=True, help='where the checkpoint sr4x.pt lives')
    ap.add_argument('--out', default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                  'emoji-sr4x'))
    ap.add_argument('--steps', type=int, default=6000)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--ckpt-minutes', type=float, default=2.0)
    args = ap.parse_args()
    (train if args.command == 'train' else export)(args)


if __name__ == '__main__':
    main()
