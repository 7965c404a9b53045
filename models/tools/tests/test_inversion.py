"""Checks of the inversion tools on a tiny random generator (the code paths, not the quality):

* psnr / ssim against closed forms (a constant offset; constant pictures, where SSIM reduces to
  its luminance term);
* project(): the loss falls in W and again in W+, the projection beats w_avg on a target drawn
  from a known ws, and --optimize-noise moves the noise maps under the regularisation;
* project.py on the command line: projected_w.npz holds `w` float32 [1, num_ws, w_dim], proj.png,
  target.png and the progress video (or frames) are written;
* train_encoder.py: a few steps, a resumed run, --export into a package exported from the same
  checkpoint: graphs.encoder and its files entry added, every other file byte-identical.

With an argument DIR the package and a PyTorch reference of the encoder (encoder_ref.json) stay in
DIR for models/tools/inversion.test.ts to check with the studio's own runtime.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TOOLS)

from export_stylegan import build_random  # noqa: E402
from inversion import load_encoder_state, psnr, ssim, to_uint8  # noqa: E402
from project import project  # noqa: E402
from safe_load import load_torch_file  # noqa: E402

checks = 0


def check(cond, message):
    global checks
    if not cond:
        raise SystemExit(f'FAIL {message}')
    checks += 1


def run(*args):
    res = subprocess.run([sys.executable, *args], capture_output=True, text=True)
    check(res.returncode == 0, f'{" ".join(os.path.basename(a) for a in args[:1])} exited {res.returncode}:\n{res.stdout}{res.stderr}')
    return res.stdout


def sha(path):
    with open(path, 'rb') as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def measures():
    a = np.full((32, 32, 3), 100, np.uint8)
    b = a + 5
    check(abs(psnr(a, b) - 10 * np.log10(255 ** 2 / 25)) < 1e-9, f'psnr of a constant offset 5: {psnr(a, b)}')
    c1 = (0.01 * 255) ** 2
    want = (2 * 100 * 105 + c1) / (100 ** 2 + 105 ** 2 + c1)
    check(abs(ssim(a, b) - want) < 1e-9, f'ssim of constant pictures: {ssim(a, b)} vs {want}')
    check(abs(ssim(a, a) - 1) < 1e-12, 'ssim of a picture with itself')
    rng = np.random.RandomState(0)
    noisy = rng.randint(0, 256, (32, 32, 3)).astype(np.uint8)
    check(ssim(noisy, 255 - noisy) < 0, 'ssim of a picture and its negative is negative')


def projection(G):
    torch.manual_seed(0)
    with torch.no_grad():
        ws_true = G.mapping(torch.randn(2, G.z_dim), None)
        target = G.synthesis(ws_true, noise_mode='const')
    ws, noise, losses = project(G, target, steps=40, w_plus_steps=20, w_plus_lr=0.01, log=lambda m: None)
    check(ws.shape == (2, G.num_ws, G.w_dim), f'projected ws shape {tuple(ws.shape)}')
    check(noise == {}, 'no noise maps without optimize_noise')
    check(len(losses) == 60, f'{len(losses)} losses for 60 steps')
    check(np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5]), f'the loss falls: {losses[:5]} ... {losses[-5:]}')
    w_avg = G.mapping.w_avg.reshape(1, 1, -1).expand(2, G.num_ws, -1)
    with torch.no_grad():
        got, base, want = (to_uint8(G.synthesis(w, noise_mode='const')) for w in (ws, w_avg, ws_true))
    gain = [psnr(g, t) - psnr(b, t) for g, b, t in zip(got, base, want)]
    check(min(gain) > 1, f'projection beats w_avg on every target by > 1 dB: {gain}')
    const = {name: layer.noise_const.clone() for name, layer in G.synthesis.noise_layers()}
    G2 = build_random(16, 8, 8, 2, 256, 16, seed=5)
    _, noise, losses = project(G2, target, steps=10, optimize_noise=True, log=lambda m: None)
    check(set(noise) == set(const), f'optimised noise for every noise layer: {sorted(noise)}')
    for name, v in noise.items():
        check(abs(float(v.mean())) < 1e-4 and abs(float(v.square().mean()) - 1) < 1e-3, f'{name} renormalised')


def save_checkpoint(G, path):
    torch.save(dict(G_kwargs=G.init_kwargs(), G_ema=G.state_dict()), path)


def cli_paths(tmp, ckpt):
    with torch.no_grad():
        G = build_random(16, 8, 8, 2, 256, 16, seed=3)
        img = to_uint8(G(torch.randn(1, 8), None))[0]
    from pngio import write_png
    target = os.path.join(tmp, 'target.png')
    write_png(target, img)
    out = os.path.join(tmp, 'proj')
    log = run(os.path.join(TOOLS, 'project.py'), '--checkpoint', ckpt, '--target', target, '--outdir', out, '--num-steps', '12',
              '--w-plus', '--w-plus-steps', '6')
    check('pixel + multi-scale loss' in log, 'project.py says it uses the fallback loss without --vgg')
    w = np.load(os.path.join(out, 'projected_w.npz'))
    check(list(w.keys()) == ['w'], f'projected_w.npz keys {list(w.keys())}')
    check(w['w'].dtype == np.float32 and w['w'].shape == (1, G.num_ws, G.w_dim), f'w {w["w"].dtype} {w["w"].shape}')
    check(not np.allclose(w['w'][0, 0], w['w'][0, -1]), 'W+ fine-tuning gives rows of their own')
    for name in ('proj.png', 'target.png'):
        check(os.path.getsize(os.path.join(out, name)) > 0, f'{name} written')
    video = os.path.join(out, 'proj.mp4') if shutil.which('ffmpeg') else os.path.join(out, 'proj_frames', '0017.png')
    check(os.path.isfile(video) and os.path.getsize(video) > 0, f'{video} written')


def encoder_paths(tmp, ckpt, keep):
    pkg = os.path.join(keep or tmp, 'pkg')
    shutil.rmtree(pkg, ignore_errors=True)
    run(os.path.join(TOOLS, 'export_stylegan.py'), '--checkpoint', ckpt, '--out', pkg, '--id', 'tiny-encoder', '--name', 'Tiny',
        '--noise-inputs')
    before = {f: sha(os.path.join(pkg, f)) for f in os.listdir(pkg)}
    run_dir = os.path.join(tmp, 'run')
    small = ['--batch', '4', '--draw', '2', '--buffer', '64', '--image-every', '1', '--image-batch', '2', '--log-every', '2',
             '--width', '8', '--max-channels', '16', '--hidden', '32', '--warmup', '0.5']
    log = run(os.path.join(TOOLS, 'train_encoder.py'), '--checkpoint', ckpt, '--run-dir', run_dir, '--steps', '4', *small)
    check('step 4/4' in log and 'image mse nan' in log, 'four steps, the first without the image loss')
    first = load_torch_file(os.path.join(run_dir, 'encoder.pt'))
    log = run(os.path.join(TOOLS, 'train_encoder.py'), '--checkpoint', ckpt, '--run-dir', run_dir, '--steps', '6', *small,
              '--export', pkg)
    check('resumed' in log and 'at step 4' in log and 'step 6/6' in log, f'the second run resumes at step 4:\n{log}')
    check('onnxruntime-web matches PyTorch' in log, 'the export is checked against onnxruntime-web')
    state = load_torch_file(os.path.join(run_dir, 'encoder.pt'))
    check(state['step'] == 6, f'checkpoint at step {state["step"]}')
    moved = [k for k in first['encoder'] if not torch.equal(first['encoder'][k], state['encoder'][k])]
    check(len(moved) > 0, 'the resumed steps changed the encoder')
    with open(os.path.join(pkg, 'manifest.json')) as fh:
        manifest = json.load(fh)
    check(manifest['graphs']['encoder'] == dict(file='encoder.onnx', inputs=['img'], outputs=['ws']), 'graphs.encoder')
    check(manifest['files']['encoder.onnx']['sha256'] == sha(os.path.join(pkg, 'encoder.onnx')), 'encoder.onnx sha256')
    for f, digest in before.items():
        if f != 'manifest.json':
            check(sha(os.path.join(pkg, f)) == digest, f'{f} unchanged by the export')
    if keep:
        enc = load_encoder_state(state)
        torch.manual_seed(7)
        img = torch.rand(2, 3, 16, 16) * 2 - 1
        with torch.no_grad():
            ws = enc(img)
        with open(os.path.join(keep, 'encoder_ref.json'), 'w') as fh:
            json.dump(dict(img=dict(dims=list(img.shape), data=img.flatten().tolist()),
                           ws=dict(dims=list(ws.shape), data=ws.flatten().tolist())), fh)


def main():
    torch.set_num_threads(1)
    keep = sys.argv[1] if len(sys.argv) > 1 else None
    tmp = tempfile.mkdtemp(prefix='test-inversion-')
    try:
        measures()
        G = build_random(16, 8, 8, 2, 256, 16, seed=5).requires_grad_(False)
        projection(G)
        ckpt = os.path.join(tmp, 'tiny.pt')
        save_checkpoint(build_random(16, 8, 8, 2, 256, 16, seed=3), ckpt)
        cli_paths(tmp, ckpt)
        encoder_paths(tmp, ckpt, keep)
    finally:
        shutil.rmtree(tmp)
    print(f'test_inversion: {checks} checks passed')


if __name__ == '__main__':
    main()
