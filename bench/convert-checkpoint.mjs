// Reading + conversion time and peak memory of the whole checkpoint path (app/checkpoint/convert.ts:
// pickle VM → G_ema snapshot → ONNX package, sha256 of every file) on random-weight NVIDIA-format
// pickles of the official 1024-px configs: StyleGAN2 (ffhq: channel_base 32768, channel_max 512,
// 8 mapping layers, fp16 on the top 4 resolutions) and StyleGAN3-T (channel_base 32768,
// channel_max 512, 14 layers). The figures issue 19 asks for; not a unit test, since timings are
// never asserted there. Usage: node bench/convert-checkpoint.mjs [sg2|sg3t ...]
// Each case runs in a fresh node process, so its peak RSS (VmHWM) is that case's alone: the file
// read into memory, the snapshot, the graphs and the package files together.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleTypeScript } from './ts-import.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

const WRITE = String.raw`
import sys
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[1] + '/tests')
import torch
from official_pickle import EasyDict, recording_init_args, to_easydict, write_network_pickle
from stylegan import networks as sg2, networks_sg3 as sg3
torch.manual_seed(0)
with recording_init_args(sg2, sg3):
    if sys.argv[3] == 'sg2':
        G = sg2.Generator(**to_easydict(dict(z_dim=512, c_dim=0, w_dim=512, img_resolution=1024, img_channels=3,
            mapping_kwargs=dict(num_layers=8), synthesis_kwargs=dict(channel_base=32768, channel_max=512, num_fp16_res=4, conv_clamp=256))))
    else:
        G = sg3.Generator(**to_easydict(dict(z_dim=512, c_dim=0, w_dim=512, img_resolution=1024, img_channels=3,
            channel_base=32768, channel_max=512, num_layers=14, magnitude_ema_beta=0.999, mapping_kwargs=dict(num_layers=2))))
G = G.eval()
write_network_pickle(sys.argv[2], dict(training_set_kwargs=EasyDict(resolution=1024), G=G, D=None, G_ema=G, augment_pipe=None), protocol=4)
`;

const CHILD = String.raw`
import { readFileSync } from 'node:fs';
const { convertCheckpoint, readNvidiaGenerator } = await import(process.argv[1]);
const hwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const base = process.memoryUsage().rss;
const start = performance.now();
const bytes = new Uint8Array(readFileSync(process.argv[2]));
const read = performance.now();
// The pickle alone: what the reader adds on top of the file's bytes (the snapshot's copies of unaligned or fp16 tensors).
let snapshot = readNvidiaGenerator(bytes);
const parsed = performance.now();
const afterRead = process.memoryUsage().rss - base;
const tensors = [...snapshot.tensors.values()].reduce((a, t) => a + t.data.byteLength, 0);
snapshot = null; // released, so the peak below is the conversion's (GC permitting)
const { files } = await convertCheckpoint({ kind: 'file', name: 'bench.pkl', bytes });
const done = performance.now();
console.log(JSON.stringify({ readSeconds: (read - start) / 1000, parseSeconds: (parsed - read) / 1000, afterRead, tensors, convertSeconds: (done - parsed) / 1000, peak: hwm(), files: [...files].map(([n, b]) => [n, b.length]) }));
`;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convert-checkpoint-'));
try {
  const bundle = await bundleTypeScript("export { convertCheckpoint } from './app/checkpoint/convert'; export { readNvidiaGenerator } from './app/checkpoint/nvidia';", tmp);
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  for (const which of process.argv.slice(2).length ? process.argv.slice(2) : ['sg2', 'sg3t']) {
    const pkl = path.join(tmp, `${which}.pkl`);
    const made = spawnSync(python, ['-c', WRITE, path.join(repo, 'models/tools'), pkl, which === 'sg2' ? 'sg2' : 'sg3'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`writing the ${which} pickle failed:\n${made.stderr}`);
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, bundle, pkl], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (run.status !== 0) throw new Error(`converting ${which} failed:\n${run.stderr}`);
    const r = JSON.parse(run.stdout.trim().split('\n').at(-1));
    console.log(`${which === 'sg2' ? 'StyleGAN2' : 'StyleGAN3-T'} 1024 px pickle (${mb(statSync(pkl).size)}): file read ${r.readSeconds.toFixed(2)} s; pickle → snapshot ${r.parseSeconds.toFixed(2)} s (${mb(r.tensors)} of float32 tensors; RSS +${mb(r.afterRead)} with file and snapshot); convertCheckpoint (reads again, builds, hashes) ${r.convertSeconds.toFixed(2)} s; peak RSS ${mb(r.peak)}`);
    console.log(`  files: ${r.files.map(([n, b]) => `${n} ${mb(b)}`).join(', ')}`);
    rmSync(pkl);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
