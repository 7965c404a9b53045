"""BigGAN-deep converter checks, without downloads.

1. Names and shapes: biggan-deep-128 built by biggan/model.py has the published checkpoint's
   tensor names, shapes and parameter count (50.4 M).
2. Truncation rows: the [1, 51] mixture built from a float32 truncation equals the reference's
   `modf(t / 0.02)` weighting (lower row gets coef) computed in float64 from the decimal.
3. A random BigGAN-deep at 32 px (attention at 16 px, random statistic rows) saved as
   config.json + pytorch_model.bin -- the config written here as literal JSON -- loads strictly,
   a missing tensor is refused, and eval/folded forwards equal a literal re-statement of the
   reference forward (spectral norm from the stored u, v; math.modf row lookup; float64 truncation).
4. export_biggan.py --checkpoint on that folder: manifest, structural checks and the
   onnxruntime-web comparison (check_conditional.mjs), whose cases also equal the reference.
5. Standing statistics: with one batch per row, the stored rows reproduce that batch's output.

Run: /usr/bin/python3 models/tools/tests/test_biggan.py   (exit status 1 on failure; the last line
is `test_biggan: N checks passed; ONNX max abs error E (T s)` when everything passed)
"""
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

TOOLS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
sys.path.insert(0, TOOLS_DIR)
from biggan.model import BigGAN, BigGANConfig, truncated_noise_sample, truncation_weights  # noqa: E402
from export_biggan import build_random  # noqa: E402
from safe_load import load_torch_file  # noqa: E402

torch.set_num_threads(1)
RESULTS = []
ONNX_ERROR = [float('inf')]  # the onnxruntime-web comparison's worst error, for the summary

# A 32 px BigGAN-deep layout in the official config.json format (keys as pytorch_pretrained_biggan
# writes them): attention before layers[4], i.e. at 16 px; channels 64 -> 4.
SMALL_CONFIG = {
    'attention_layer_position': 4, 'channel_width': 4, 'class_embed_dim': 16, 'eps': 1e-4,
    'layers': [[False, 16, 16], [True, 16, 8], [False, 8, 8], [True, 8, 4], [False, 4, 2], [True, 2, 1]],
    'n_stats': 51, 'num_classes': 10, 'output_dim': 32, 'z_dim': 16,
}


def check(name, ok, detail=''):
    RESULTS.append((name, bool(ok)))
    print(f'{"PASS" if ok else "FAIL"}  {name}{"  " + detail if detail else ""}', flush=True)


# ---------------------------------------------------------------------------------------------
# The reference forward, restated from pytorch_pretrained_biggan's semantics, reading tensors by
# their official names from a state dict.

def ref_sn(sd, p):
    w = sd[p + '.weight_orig']
    sigma = torch.dot(sd[p + '.weight_u'], w.reshape(w.shape[0], -1) @ sd[p + '.weight_v'])
    return w / sigma


def ref_conv(sd, p, x, padding=0):
    return F.conv2d(x, ref_sn(sd, p), sd.get(p + '.bias'), padding=padding)


def ref_stats(sd, p, truncation, n_stats):
    coef, start = math.modf(truncation / (1.0 / (n_stats - 1)))
    start = int(start)
    means, vars_ = sd[p + '.running_means'], sd[p + '.running_vars']
    if coef != 0.0:
        return (means[start] * coef + means[start + 1] * (1 - coef),
                vars_[start] * coef + vars_[start + 1] * (1 - coef))
    return means[start], vars_[start]


def ref_bn(sd, p, x, truncation, cfg, cond=None):
    mean, var = ref_stats(sd, p, truncation, cfg['n_stats'])
    if cond is None:
        return F.batch_norm(x, mean, var, sd[p + '.weight'], sd[p + '.bias'], training=False, eps=cfg['eps'])
    weight = 1 + (cond @ ref_sn(sd, p + '.scale').t())[:, :, None, None]
    bias = (cond @ ref_sn(sd, p + '.offset').t())[:, :, None, None]
    return (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + cfg['eps']) * weight + bias


def ref_block(sd, p, x, cond, truncation, cfg, up, drop):
    h = ref_conv(sd, p + '.conv_0', F.relu(ref_bn(sd, p + '.bn_0', x, truncation, cfg, cond)))
    h = F.relu(ref_bn(sd, p + '.bn_1', h, truncation, cfg, cond))
    if up:
        h = F.interpolate(h, scale_factor=2, mode='nearest')
    h = ref_conv(sd, p + '.conv_1', h, padding=1)
    h = ref_conv(sd, p + '.conv_2', F.relu(ref_bn(sd, p + '.bn_2', h, truncation, cfg, cond)), padding=1)
    h = ref_conv(sd, p + '.conv_3', F.relu(ref_bn(sd, p + '.bn_3', h, truncation, cfg, cond)))
    if drop:
        x = x[:, :x.shape[1] // 2]
    if up:
        x = F.interpolate(x, scale_factor=2, mode='nearest')
    return h + x


def ref_attention(sd, p, x):
    n, ch, h, w = x.shape
    theta = ref_conv(sd, p + '.snconv1x1_theta', x).view(n, ch // 8, h * w)
    phi = F.max_pool2d(ref_conv(sd, p + '.snconv1x1_phi', x), 2).view(n, ch // 8, h * w // 4)
    attn = torch.softmax(torch.bmm(theta.permute(0, 2, 1), phi), dim=-1)
    g = F.max_pool2d(ref_conv(sd, p + '.snconv1x1_g', x), 2).view(n, ch // 2, h * w // 4)
    o = torch.bmm(g, attn.permute(0, 2, 1)).view(n, ch // 2, h, w)
    return x + sd[p + '.gamma'] * ref_conv(sd, p + '.snconv1x1_o_conv', o)


def ref_forward(sd, cfg, z, c, truncation):
    """truncation: a Python float, as the reference takes it."""
    assert 0 < truncation <= 1
    cond = torch.cat([z, c @ sd['embeddings.weight'].t()], 1)
    ch = cfg['channel_width']
    x = cond @ ref_sn(sd, 'generator.gen_z').t() + sd['generator.gen_z.bias']
    x = x.view(-1, 4, 4, 16 * ch).permute(0, 3, 1, 2)
    idx = 0
    for i, (up, cin, cout) in enumerate(cfg['layers']):
        if i == cfg['attention_layer_position']:
            x = ref_attention(sd, f'generator.layers.{idx}', x)
            idx += 1
        x = ref_block(sd, f'generator.layers.{idx}', x, cond, truncation, cfg, up, cin != cout)
        idx += 1
    x = F.relu(ref_bn(sd, 'generator.bn', x, truncation, cfg))
    return torch.tanh(ref_conv(sd, 'generator.conv_to_rgb', x, padding=1)[:, :3])


# ---------------------------------------------------------------------------------------------

def test_official_names():
    G = BigGAN(BigGANConfig.deep(128))
    sd = G.state_dict()
    expected = {  # from the published biggan-deep-128 pytorch_model.bin layout
        'embeddings.weight': (128, 1000),
        'generator.gen_z.weight_orig': (32768, 256), 'generator.gen_z.weight_u': (32768,),
        'generator.gen_z.weight_v': (256,), 'generator.gen_z.bias': (32768,),
        'generator.layers.0.bn_0.running_means': (51, 2048), 'generator.layers.0.bn_0.running_vars': (51, 2048),
        'generator.layers.0.bn_0.scale.weight_orig': (2048, 256), 'generator.layers.0.bn_3.offset.weight_v': (256,),
        'generator.layers.0.conv_0.weight_orig': (512, 2048, 1, 1), 'generator.layers.0.conv_1.weight_orig': (512, 512, 3, 3),
        'generator.layers.3.conv_3.weight_orig': (1024, 512, 1, 1),
        'generator.layers.8.gamma': (1,), 'generator.layers.8.snconv1x1_theta.weight_orig': (32, 256, 1, 1),
        'generator.layers.8.snconv1x1_phi.weight_u': (32,), 'generator.layers.8.snconv1x1_g.weight_orig': (128, 256, 1, 1),
        'generator.layers.8.snconv1x1_o_conv.weight_orig': (256, 128, 1, 1),
        'generator.layers.9.bn_0.running_means': (51, 256), 'generator.layers.10.conv_3.weight_orig': (128, 64, 1, 1),
        'generator.bn.running_means': (51, 128), 'generator.bn.weight': (128,), 'generator.bn.bias': (128,),
        'generator.conv_to_rgb.weight_orig': (128, 128, 3, 3), 'generator.conv_to_rgb.bias': (128,),
    }
    wrong = {k: tuple(sd[k].shape) if k in sd else None for k, v in expected.items()
             if k not in sd or tuple(sd[k].shape) != v}
    check('biggan-deep-128 official tensor names and shapes', not wrong, str(wrong) if wrong else f'{len(sd)} tensors')
    check('biggan-deep-128 has no tensor outside the official families',
          all(re.fullmatch(r'embeddings\.weight|generator\.(gen_z|bn|conv_to_rgb|layers\.\d+)\..+', k) for k in sd))
    n = sum(p.numel() for p in G.parameters())
    check('biggan-deep-128 parameter count 50.4 M', round(n / 1e6, 1) == 50.4, f'{n}')


def test_truncation_rows():
    worst, artefacts, n = 0.0, [], 0
    for k in range(1, 1001):
        d = k / 1000
        coef, start = math.modf(d / (1.0 / 50))
        start = int(start)
        ref = np.zeros(51)
        if coef != 0.0:
            ref[start], ref[start + 1] = coef, 1 - coef
        else:
            ref[start] = 1
        ours = truncation_weights(torch.tensor([np.float32(d)]), 51).numpy()[0]
        if 0 < coef < 1e-9 or 1 - 1e-9 < coef < 1:
            # float64 rounding artefacts of the reference (e.g. 0.14 / 0.02 = 7.000000000000001):
            # the reference takes row start + 1 (or start) there; the graph takes the exact row.
            artefacts.append(d)
            continue
        worst = max(worst, float(np.abs(ours - ref).max()))
        n += 1
    check('truncation rows equal modf(t / 0.02) weighting for t = 0.001 .. 1', worst < 1e-5,
          f'max weight err {worst:.1e} over {n} values; float64 artefacts skipped at {artefacts}')
    clamp = truncation_weights(torch.tensor([1.5]), 51).numpy()[0]
    check('truncation above 1 takes the last row', clamp[50] == 1 and clamp.sum() == 1)


def make_small_checkpoint(folder):
    cfg = BigGANConfig.from_dict(SMALL_CONFIG)
    G = build_random(cfg, seed=3)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'config.json'), 'w') as fh:
        json.dump(SMALL_CONFIG, fh, indent=2, sort_keys=True)
    torch.save(G.state_dict(), os.path.join(folder, 'pytorch_model.bin'))
    return G


def test_small_model(folder):
    make_small_checkpoint(folder)
    G = BigGAN.from_pretrained(folder)
    check('config.json + pytorch_model.bin load strictly', isinstance(G, BigGAN))
    sd = load_torch_file(os.path.join(folder, 'pytorch_model.bin'))
    broken = os.path.join(folder, 'broken')
    os.makedirs(broken, exist_ok=True)
    with open(os.path.join(broken, 'config.json'), 'w') as fh:
        json.dump(SMALL_CONFIG, fh)
    torch.save({k: v for k, v in sd.items() if k != 'generator.layers.2.bn_1.running_vars'},
               os.path.join(broken, 'pytorch_model.bin'))
    try:
        BigGAN.from_pretrained(broken)
        refused = False
    except RuntimeError as e:
        refused = 'running_vars' in str(e)
    check('a checkpoint missing a tensor is refused', refused)

    folded = G.fold_for_export()
    rng = np.random.RandomState(7)
    z = torch.from_numpy(truncated_noise_sample(4, 16, 1.0, rng))
    c = torch.zeros(4, 10)
    c[0, 3] = 1
    c[1, 7] = 1
    c[2, 2], c[2, 5] = 0.6, 0.4  # a blend
    c[3, 9] = 1
    worst_eval = worst_fold = 0.0
    with torch.no_grad():
        for t in (1.0, 0.7, 0.4, 0.333, 0.02):  # 0.333: rows 16 and 17 weighted .65 / .35
            ref = ref_forward(sd, SMALL_CONFIG, z * t, c, t)
            tt = torch.tensor([t], dtype=torch.float32)
            worst_eval = max(worst_eval, float((G(z * t, c, tt) - ref).abs().max()))
            worst_fold = max(worst_fold, float((folded(z * t, c, tt) - ref).abs().max()))
        spread = float(ref_forward(sd, SMALL_CONFIG, z, c, 1.0).std())
        rows_matter = float((ref_forward(sd, SMALL_CONFIG, z, c, 0.5) - ref_forward(sd, SMALL_CONFIG, z, c, 0.52)).abs().max())
    check('eval forward equals the reference forward (t = 1, .7, .4, .333, .02)', worst_eval < 1e-5, f'max err {worst_eval:.1e}')
    check('folded forward (spectral norm removed) equals the reference', worst_fold < 1e-5, f'max err {worst_fold:.1e}')
    check('the test model is not degenerate (image std, rows change the output)', spread > 0.05 and rows_matter > 1e-3,
          f'std {spread:.3f}, row 25 vs 26 max diff {rows_matter:.3f}')
    return sd


def test_export(folder, sd):
    out = os.path.join(folder, 'pkg')
    verify = os.path.join(folder, 'verify.json')
    res = subprocess.run([sys.executable, os.path.join(TOOLS_DIR, 'export_biggan.py'), '--checkpoint', folder,
                          '--out', out, '--id', 'test-biggan', '--verify-json', verify],
                         capture_output=True, text=True)
    tail = '\n'.join(res.stdout.strip().splitlines()[-6:])
    check('export_biggan.py --checkpoint exits 0 (includes the onnxruntime-web comparison)', res.returncode == 0,
          '' if res.returncode == 0 else tail + res.stderr[-2000:])
    m = re.search(r'worst max abs error (\S+)', res.stdout)
    worst = float(m.group(1)) if m else float('inf')
    ONNX_ERROR[0] = worst
    check('onnxruntime-web vs PyTorch worst max abs error < 1e-4', worst < 1e-4, f'{worst:.2e}')
    if res.returncode != 0:
        return
    with open(os.path.join(out, 'manifest.json')) as fh:
        man = json.load(fh)
    with open(os.path.join(out, 'generator.onnx'), 'rb') as fh:
        sha = hashlib.sha256(fh.read()).hexdigest()
    check('manifest: conditional family, graph io, classes, sha256',
          man['family'] == 'conditional' and man['c_dim'] == 10 and man['z_dim'] == 16 and man['resolution'] == 32
          and man['class_names'] == [f'class {i}' for i in range(10)]
          and man['graphs']['generator'] == {'file': 'generator.onnx', 'inputs': ['z', 'c', 'truncation'], 'outputs': ['img']}
          and man['files']['generator.onnx']['sha256'] == sha)
    with open(verify) as fh:
        cases = json.load(fh)['cases']
    worst_ref, seeds_ok = 0.0, True
    with torch.no_grad():
        for case in cases:
            z = torch.tensor([case['z']])
            # the studio's z: truncation * truncnorm(-2, 2) drawn from RandomState(seed)
            expect_z = truncated_noise_sample(1, 16, case['truncation'], case['seed'])
            seeds_ok &= bool(np.array_equal(z.numpy(), expect_z))
            ref = ref_forward(sd, SMALL_CONFIG, z, torch.tensor([case['c']]), case['truncation'])
            worst_ref = max(worst_ref, float((ref.flatten() - torch.tensor(case['img'])).abs().max()))
    check('verification cases equal the reference forward', worst_ref < 2e-5, f'{len(cases)} cases, max err {worst_ref:.1e}')
    check('verification z = truncation * truncnorm(RandomState(seed))', seeds_ok)


def test_standing_stats():
    cfg = BigGANConfig.from_dict(dict(SMALL_CONFIG, n_stats=3))
    G = build_random(cfg, seed=5)

    def sampler(rng, n):
        return F.one_hot(torch.from_numpy(rng.randint(0, 10, n)), 10).float()
    G.compute_standing_stats(sampler, samples=32, batch=32, seed=11)
    rng = np.random.RandomState(11)  # replay the three rows' draws: psi 0, 0.5, 1
    for psi in (0.0, 0.5, 1.0):
        z = torch.from_numpy(truncated_noise_sample(32, 16, psi, rng))
        c = sampler(rng, 32)
    with torch.no_grad():
        stored = G(z, c, torch.tensor([1.0]))
        for bn in G.batch_norms():
            bn.collected = []  # batch statistics, no spectral-norm update
        batch = G(z, c, torch.tensor([1.0]))
        for bn in G.batch_norms():
            bn.collected = None
    err = float((stored - batch).abs().max())
    row0 = G.generator.layers[0].bn_1.running_vars[0]
    row2 = G.generator.layers[0].bn_1.running_vars[2]
    check('standing statistics reproduce their batch at truncation 1', err < 1e-4, f'max err {err:.1e}')
    check('standing statistic rows differ with truncation', float((row0 - row2).abs().max()) > 1e-3)


def main():
    t0 = time.time()
    test_official_names()
    test_truncation_rows()
    with tempfile.TemporaryDirectory() as tmp:
        sd = test_small_model(tmp)
        test_export(tmp, sd)
    test_standing_stats()
    failed = [name for name, ok in RESULTS if not ok]
    took = f'{time.time() - t0:.0f} s'
    if failed:
        print(f'\ntest_biggan: {len(failed)} of {len(RESULTS)} checks failed ({took}): {"; ".join(failed)}')
        sys.exit(1)
    print(f'\ntest_biggan: {len(RESULTS)} checks passed; ONNX max abs error {ONNX_ERROR[0]:.2e} ({took})')


if __name__ == '__main__':
    main()
