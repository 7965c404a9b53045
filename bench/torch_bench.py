#!/usr/bin/python3
"""torch-cpu rows of `npm run bench`: PyTorch on the same weights as the ONNX packages.

Reads a JSON job list on stdin, writes one JSON document on stdout:
  in:  {"threads": N, "root": REPO, "device": "cpu" | "auto", "jobs": [{"model", "source": {"kind", ...}, "plan": {"warmup", "runs"}}]}
  out: {"rows": [{model, runtime, stage, median_ms, runs, threads}], "heads": {model: {graph: [first values]}},
        "skips": [{model, reason}]}
`heads` are the first outputs for seed 0 (psi 1); the bench compares them with onnxruntime-node's to
show that the weights are the same. "device": "auto" (npm run bench -- --gpu) runs on CUDA where
PyTorch has it (rows "torch-cuda", each run synchronised so that its time is the GPU's), else on
the CPU ("torch-cpu"). Source kinds: "fixture" (make_fixture.py's generator), "random"
(export_stylegan.py --random with the same arguments), "biggan-random" (export_biggan.py --random),
"checkpoint" / "biggan-checkpoint" (a train_stylegan.py / train_biggan.py checkpoint).
"""
import argparse
import json
import os
import sys
import time

HEAD = 32


def build(source, tools):
    sys.path.insert(0, tools)
    if source['kind'] == 'fixture':
        from make_fixture import build_fixture_generator
        return build_fixture_generator()
    if source['kind'] == 'random':
        from export_stylegan import build_random
        ap = argparse.ArgumentParser()
        for name in ('resolution', 'z-dim', 'w-dim', 'map-layers', 'channel-base', 'channel-max', 'seed'):
            ap.add_argument('--' + name, type=int, required=True)
        ap.add_argument('--random', action='store_true')
        a = ap.parse_args(source['exporterArgs'])
        return build_random(a.resolution, a.z_dim, a.w_dim, a.map_layers, a.channel_base, a.channel_max, a.seed)
    if source['kind'] == 'biggan-random':
        from export_biggan import BigGANConfig, build_random
        ap = argparse.ArgumentParser()
        ap.add_argument('--resolution', type=int, required=True)
        ap.add_argument('--seed', type=int, required=True)
        a, _ = ap.parse_known_args(source['exporterArgs'])
        # The exported graph's weights: spectral norm folded, as export_biggan.py exports them.
        return build_random(BigGANConfig.deep(a.resolution), a.seed).fold_for_export()
    if source['kind'] == 'biggan-checkpoint':
        from export_biggan import load_training_checkpoint
        return load_training_checkpoint(source['path'])[0].fold_for_export()
    if source['kind'] == 'checkpoint':
        from export_stylegan import load_checkpoint
        return load_checkpoint(source['path'])[0]
    raise ValueError('unknown source kind ' + source['kind'])


def timed(plan, fn):
    # Warm-up as bench/rows.ts warmingUp: plan['warmup'] runs and at least plan['warmupMs'].
    warming = time.perf_counter()
    done = 0
    while done < plan['warmup'] or (done < 2000 and (time.perf_counter() - warming) * 1000 < plan['warmupMs']):
        fn()
        done += 1
    times = []
    for _ in range(plan['runs']):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    n = len(times)
    return times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2, n


def synced(device, fn):
    """`fn` waiting for the device: a CUDA call returns before the GPU has finished."""
    import torch
    if device != 'cuda':
        return fn

    def run():
        out = fn()
        torch.cuda.synchronize()
        return out
    return run


def time_generator(G, job, threads, rows, heads, device):
    """A conditional generator on the bench's input: seed 0's truncated z at psi 1, class 0."""
    import torch
    from biggan.model import truncated_noise_sample
    z = torch.from_numpy(truncated_noise_sample(1, G.config.z_dim, 1.0, 0)).to(device)
    c = torch.zeros(1, G.config.num_classes, device=device)
    c[0, 0] = 1
    with torch.no_grad():
        ms, runs = timed(job['plan'], synced(device, lambda: G(z, c, 1.0)))
        img = G(z, c, 1.0)
    rows.append(dict(model=job['model'], runtime=f'torch-{device}', stage='generator', median_ms=ms, runs=runs, threads=threads))
    heads[job['model']] = dict(generator=img.flatten()[:HEAD].cpu().tolist())


def main():
    doc = json.load(sys.stdin)
    try:
        import numpy as np
        import torch
    except ImportError as error:
        json.dump(dict(rows=[], heads={}, skips=[dict(model=j['model'], reason=f'PyTorch is not installed ({error})')
                                               for j in doc['jobs']]), sys.stdout)
        return
    threads = doc['threads']
    torch.set_num_threads(threads)
    device = 'cuda' if doc.get('device') == 'auto' and torch.cuda.is_available() else 'cpu'
    print(f'torch_bench: PyTorch {torch.__version__} on {torch.cuda.get_device_name(0) if device == "cuda" else "the CPU"}', file=sys.stderr)
    tools = os.path.join(doc['root'], 'models', 'tools')
    rows, heads, skips = [], {}, []
    for job in doc['jobs']:
        try:
            G = build(job['source'], tools).eval().to(device)
        except Exception as error:  # reported as a skipped row with its reason, never hidden
            skips.append(dict(model=job['model'], reason=f'could not rebuild the generator: {error!r}'))
            continue
        if job['source']['kind'] in ('biggan-random', 'biggan-checkpoint'):
            time_generator(G, job, threads, rows, heads, device)
            continue
        z = torch.from_numpy(np.random.RandomState(0).randn(1, G.z_dim).astype(np.float32)).to(device)
        with torch.no_grad():
            ws = G.mapping(z, None)
            mapping_ms, runs = timed(job['plan'], synced(device, lambda: G.mapping(z, None)))
            rows.append(dict(model=job['model'], runtime=f'torch-{device}', stage='mapping', median_ms=mapping_ms, runs=runs, threads=threads))
            synthesis_ms, runs = timed(job['plan'], synced(device, lambda: G.synthesis(ws, noise_mode='const')))
            rows.append(dict(model=job['model'], runtime=f'torch-{device}', stage='synthesis', median_ms=synthesis_ms, runs=runs, threads=threads))
            img = G.synthesis(ws, noise_mode='const')
        heads[job['model']] = dict(mapping=ws.flatten()[:HEAD].cpu().tolist(), synthesis=img.flatten()[:HEAD].cpu().tolist())
        del G
    json.dump(dict(rows=rows, heads=heads, skips=skips), sys.stdout)


if __name__ == '__main__':
    main()
