"""The model tools as a new user meets them: what they refuse, and how.

1. Unsafe files: a checkpoint whose pickle would call os.system (zip and legacy torch.save, a bare
   pickle, a pytorch_model.bin in a BigGAN folder) is refused by safe_load and by both exporters,
   and the marker file the payload would create never appears. Real checkpoints (with floats and
   RNG states, which torch 1.13's weights_only unpickler cannot read) still load.
2. Wrong input: a missing or foreign file, a flag the architecture lacks, a wrong class-name count,
   an interpreter without torch end in one `<script>: error: ...` line with exit status 2, no
   traceback, and no --out folder.
3. Verification: an export without --verify-json runs its ONNX check (check_onnx.mjs) and leaves
   nothing in the checkout; the tolerance rule on the case that used to fail.
4. Run bits: every tool with a shebang is executable, so `./export_stylegan.py` picks the
   interpreter with torch.

Run: /usr/bin/python3 models/tools/tests/test_tool_inputs.py   (exit status 1 on failure; the last
line is `test_tool_inputs: N checks passed` when everything passed)
"""
import json
import os
import pickle
import subprocess
import sys
import tempfile

import torch

TOOLS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
sys.path.insert(0, TOOLS_DIR)
from export_stylegan import TOLERANCE_FACTOR, verify_tolerance  # noqa: E402
from safe_load import CheckpointFormatError, UnsafeCheckpointError, load_torch_file  # noqa: E402

RESULTS = []
# A valid pytorch-pretrained-BigGAN config.json (32 px, tiny), so that loading reaches the weights.
BIGGAN_CONFIG = {
    'attention_layer_position': 4, 'channel_width': 4, 'class_embed_dim': 16, 'eps': 1e-4,
    'layers': [[False, 16, 16], [True, 16, 8], [False, 8, 8], [True, 8, 4], [False, 4, 2], [True, 2, 1]],
    'n_stats': 51, 'num_classes': 10, 'output_dim': 32, 'z_dim': 16,
}
SMALL_SG2 = ['--resolution', '16', '--z-dim', '8', '--w-dim', '8', '--channel-base', '256', '--channel-max', '16']


def check(name, ok, detail=''):
    RESULTS.append((name, bool(ok)))
    print(f'{"PASS" if ok else "FAIL"}  {name}{"  " + detail if detail else ""}', flush=True)


class Payload:
    """Pickles as a call to os.system that creates `marker`: what a malicious checkpoint does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}',))


def tool(script, *args):
    return subprocess.run([sys.executable, os.path.join(TOOLS_DIR, script), *args], capture_output=True,
                          text=True, timeout=600)


def refused_in_one_line(res, script):
    lines = res.stderr.strip().splitlines()
    return (res.returncode == 2 and len(lines) == 1 and lines[0].startswith(f'{script}: error: ')
            and 'Traceback' not in res.stderr + res.stdout)


def test_unsafe_files(tmp):
    marker = os.path.join(tmp, 'pwned')
    evil = {'G_kwargs': {}, 'G_ema': {'w': torch.zeros(2)}, 'payload': Payload(marker)}
    files = {'zip .pt': os.path.join(tmp, 'evil-zip.pt'), 'legacy .pt': os.path.join(tmp, 'evil-legacy.pt'),
             'bare pickle': os.path.join(tmp, 'evil.pkl')}
    torch.save(evil, files['zip .pt'])
    torch.save(evil, files['legacy .pt'], _use_new_zipfile_serialization=False)
    with open(files['bare pickle'], 'wb') as fh:
        pickle.dump({'payload': Payload(marker)}, fh)
    for kind, path in files.items():
        try:
            load_torch_file(path)
            refused = ''
        except UnsafeCheckpointError as error:
            refused = str(error)
        check(f'safe_load refuses a {kind} whose pickle calls os.system, naming it', 'posix.system' in refused
              or 'os.system' in refused, refused or 'loaded')
    check('the payload never ran', not os.path.exists(marker))

    folder = os.path.join(tmp, 'biggan-folder')
    os.makedirs(folder)
    with open(os.path.join(folder, 'config.json'), 'w') as fh:
        json.dump(BIGGAN_CONFIG, fh)
    torch.save({'generator.gen_z.weight_orig': torch.zeros(1), 'x': Payload(marker)},
               os.path.join(folder, 'pytorch_model.bin'))
    for script, args in (('export_stylegan.py', ['--checkpoint', files['zip .pt']]),
                         ('export_biggan.py', ['--checkpoint', files['legacy .pt']]),
                         ('export_biggan.py', ['--checkpoint', folder])):
        out = os.path.join(tmp, 'out-' + script + str(len(RESULTS)))
        res = tool(script, *args, '--out', out)
        check(f'{script} {args[-1].split("/")[-1]}: refused in one line, nothing written',
              refused_in_one_line(res, script) and 'system' in res.stderr and not os.path.exists(out),
              res.stderr.strip()[-300:])
    check('no exporter ran the payload', not os.path.exists(marker))

    # What an NVIDIA pickle handed to --checkpoint gets: a pointer to --pickle, not an import attempt.
    nvidia = os.path.join(tmp, 'network.pkl')
    with open(nvidia, 'wb') as fh:
        fh.write(b'\x80\x03ctorch_utils.persistence\n_reconstruct_persistent_obj\nq\x00.')
    try:
        load_torch_file(nvidia)
        message = ''
    except (UnsafeCheckpointError, CheckpointFormatError) as error:
        message = str(error)
    check('an NVIDIA pickle given as a checkpoint points to --pickle', '--pickle' in message, message)

    # A checkpoint with floats, tuples and RNG states (what train_*.py writes) still loads.
    import numpy as np
    good = os.path.join(tmp, 'good.pt')
    torch.save({'kimg': 1.5, 'betas': (0.0, 0.99), 'np_rng': np.random.RandomState(0).get_state(),
                'torch_rng': torch.get_rng_state(), 'G_ema': {'w': torch.arange(3.0).half()}}, good)
    ck = load_torch_file(good)
    check('a train_*.py-style checkpoint (floats, RNG states, fp16 tensors) loads',
          ck['kimg'] == 1.5 and ck['np_rng'][1].shape == (624,) and ck['G_ema']['w'].dtype == torch.float16)
    for name in ('emoji-stylegan.pt', 'emoji-biggan.pt'):
        path = os.path.join(TOOLS_DIR, 'checkpoints', name)
        if os.path.exists(path):
            check(f'the committed checkpoint {name} loads', 'G_ema' in load_torch_file(path))


def test_refusals(tmp):
    missing = os.path.join(tmp, 'no-such.pt')
    garbage = os.path.join(tmp, 'garbage.pkl')
    with open(garbage, 'wb') as fh:
        fh.write(b'not a pickle at all')
    not_ckpt = os.path.join(tmp, 'plain.pt')
    torch.save({'weights': torch.zeros(1)}, not_ckpt)
    names = os.path.join(tmp, 'names.txt')
    with open(names, 'w') as fh:
        fh.write('one\ntwo\n')
    cases = [
        ('export_stylegan.py', ['--checkpoint', missing]),
        ('export_stylegan.py', ['--pickle', garbage]),
        ('export_stylegan.py', ['--checkpoint', not_ckpt]),
        ('export_stylegan.py', ['--random', '--arch', 'stylegan3-t', '--num-layers', '4', *SMALL_SG2, '--noise-inputs']),
        ('export_stylegan.py', ['--random', '--resolution', '24']),
        ('export_biggan.py', ['--checkpoint', tmp + '/no-such-folder/']),
        ('export_biggan.py', ['--checkpoint', not_ckpt]),
        ('export_biggan.py', ['--random', '--small', '--class-names', names]),
    ]
    for script, args in cases:
        out = os.path.join(tmp, 'out', f'case{len(RESULTS)}')
        res = tool(script, *args, '--out', out)
        check(f'{script} {" ".join(a.split("/")[-1] for a in args)}: one-line refusal, no --out folder',
              refused_in_one_line(res, script) and not os.path.exists(out),
              f'exit {res.returncode}: {res.stderr.strip()[-300:]}')


def test_interpreter_without_torch(tmp):
    # `-S` leaves out site-packages, where Debian's torch lives: a python3 on PATH without torch.
    out = os.path.join(tmp, 'no-torch')
    res = subprocess.run([sys.executable, '-S', os.path.join(TOOLS_DIR, 'export_stylegan.py'), '--random', '--out', out],
                         capture_output=True, text=True, timeout=120)
    check('under a Python without torch: one line naming /usr/bin/python3, nothing written',
          refused_in_one_line(res, 'export_stylegan.py') and '/usr/bin/python3' in res.stderr and not os.path.exists(out),
          res.stderr.strip()[-300:])


def test_verification(tmp):
    verify_dir = os.path.join(TOOLS_DIR, 'data', 'verify')
    before = set(os.listdir(verify_dir)) if os.path.isdir(verify_dir) else set()
    temp_before = {d for d in os.listdir(tempfile.gettempdir()) if d.startswith('latent-studio-verify-')}
    out = os.path.join(tmp, 'pkg')
    res = tool('export_stylegan.py', '--random', *SMALL_SG2, '--out', out, '--id', 'inputs-test', '--fp16')
    check('export_stylegan.py runs its ONNX check (exit 0, check_onnx.mjs output)',
          res.returncode == 0 and 'inputs-test worst max abs error' in res.stdout, res.stderr[-500:])
    with open(os.path.join(out, 'manifest.json'), encoding='utf-8') as fh:
        twin = json.load(fh)['graphs']['synthesis'].get('fp16', {})
    check('--fp16 adds the measured float16 twin through the studio\'s converter',
          twin.get('file') == 'synthesis.fp16.onnx' and os.path.isfile(os.path.join(out, twin['file']))
          and twin.get('error', {}).get('runtime') == 'onnxruntime-node cpu' and 0 < twin['error']['max_abs'] < 0.02,
          json.dumps(twin)[:300] + res.stderr[-300:])
    after = set(os.listdir(verify_dir)) if os.path.isdir(verify_dir) else set()
    temp_after = {d for d in os.listdir(tempfile.gettempdir()) if d.startswith('latent-studio-verify-')}
    check('no verification file written into the checkout', after == before, str(after - before))
    check('the temporary verification folder is removed after a passing check', temp_after <= temp_before,
          str(temp_after - temp_before))

    # The tolerance on the case that failed a correct export: official float32 code 2.7e-4 from
    # float64, ONNX 9.99e-4 from PyTorch float32 (so at most 1.27e-3 from float64).
    check('tolerance: 8 x PyTorch float32 error when that dominates',
          verify_tolerance([0.9, -1.0], 2.7e-4) == TOLERANCE_FACTOR * 2.7e-4 and 9.99e-4 + 2.7e-4 < 8 * 2.7e-4)
    check('tolerance: 2^-16 of the output scale when PyTorch is exact', verify_tolerance([4.0, -2.0], 0.0) == 4.0 / 65536)


def test_run_bits():
    for name in sorted(os.listdir(TOOLS_DIR)):
        path = os.path.join(TOOLS_DIR, name)
        if not name.endswith('.py') or not os.path.isfile(path):
            continue
        with open(path, encoding='utf-8') as fh:
            shebang = fh.readline().startswith('#!')
        if shebang:
            check(f'{name} has a shebang and is executable', os.access(path, os.X_OK))


def main():
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        test_unsafe_files(tmp)
        test_refusals(tmp)
        test_interpreter_without_torch(tmp)
        test_verification(tmp)
    test_run_bits()
    failed = [name for name, ok in RESULTS if not ok]
    if failed:
        print(f'\ntest_tool_inputs: {len(failed)} of {len(RESULTS)} checks failed: {"; ".join(failed)}')
        sys.exit(1)
    print(f'\ntest_tool_inputs: {len(RESULTS)} checks passed')


if __name__ == '__main__':
    main()
