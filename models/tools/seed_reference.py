#!/usr/bin/python3
"""Print reference latent vectors from numpy (and scipy, if importable) as JSON.

The TypeScript port in app/latent/ (random.ts, seed.ts) is tested against this
output: the tests run this script with Debian's /usr/bin/python3 and compare.

Every float64 is written with float.hex() so that no bit is lost on the way.

    /usr/bin/python3 models/tools/seed_reference.py > reference.json

Output (one JSON object):
  numpy, scipy        versions (scipy is null when it cannot be imported)
  uint32              first raw MT19937 outputs for a few seeds
  random_sample       RandomState(seed).random_sample(n): the 53-bit doubles
  randn               RandomState(seed).randn(1, zdim) for every seed and zdim,
                      as gen_images.py in NVlabs/stylegan3 draws z
  randn_sequence      one RandomState drawing randn(k) for several odd k in a
                      row, which exercises the cached second Box-Muller value
  truncnorm           scipy.stats.truncnorm.rvs(a, b, size=(1, n),
                      random_state=RandomState(seed)), as BigGAN's
                      truncated_noise_sample draws it; null without scipy
  truncated_noise     truncation * values.astype(float32), the float32 z that
                      truncated_noise_sample returns; null without scipy
"""

import json
import sys

import numpy as np

SEEDS = [
    0, 1, 2, 3, 7, 42, 123, 255, 256, 1000, 4242, 65535, 65536, 123456,
    999999, 2**24 + 1, 314159265, 2**31 - 1, 2**31, 2**31 + 1,
    3000000000, 2**32 - 2, 2**32 - 1,
]
Z_DIMS = [128, 512]
SEQUENCE_SEED = 2024
SEQUENCE_SIZES = [1, 3, 5, 2, 7, 1, 1, 4, 9]
TRUNCNORM_SEEDS = [0, 1, 42, 2**31, 2**32 - 1]
TRUNCNORM_BOUNDS = [(-2.0, 2.0), (-1.0, 1.0), (0.5, 3.0), (-3.0, -0.5), (-0.25, 4.0)]
TRUNCNORM_N = 128
TRUNCATION_PSIS = [1.0, 0.7, 0.4]


def hexes(values):
    return [float(v).hex() for v in np.asarray(values, dtype=np.float64).ravel()]


def main():
    out = {'numpy': np.__version__, 'scipy': None}

    out['uint32'] = [
        {'seed': s,
         'values': [int(v) for v in np.random.RandomState(s).randint(
             0, 2**32, size=16, dtype=np.uint32)]}
        for s in (0, 1, 5489, 2**32 - 1)
    ]
    out['random_sample'] = [
        {'seed': s, 'values': hexes(np.random.RandomState(s).random_sample(16))}
        for s in (0, 42, 2**32 - 1)
    ]
    out['randn'] = [
        {'seed': s, 'zdim': d, 'values': hexes(np.random.RandomState(s).randn(1, d))}
        for s in SEEDS for d in Z_DIMS
    ]

    rs = np.random.RandomState(SEQUENCE_SEED)
    out['randn_sequence'] = {
        'seed': SEQUENCE_SEED,
        'sizes': SEQUENCE_SIZES,
        'values': [hexes(rs.randn(k)) for k in SEQUENCE_SIZES],
    }

    try:
        import scipy
        from scipy.stats import truncnorm
    except ImportError:
        out['truncnorm'] = None
        out['truncated_noise'] = None
    else:
        out['scipy'] = scipy.__version__
        out['truncnorm'] = [
            {'seed': s, 'a': a, 'b': b,
             'values': hexes(truncnorm.rvs(a, b, size=(1, TRUNCNORM_N),
                                           random_state=np.random.RandomState(s)))}
            for s in TRUNCNORM_SEEDS for (a, b) in TRUNCNORM_BOUNDS
        ]
        noise = []
        for s in TRUNCNORM_SEEDS:
            values = truncnorm.rvs(-2, 2, size=(1, TRUNCNORM_N),
                                   random_state=np.random.RandomState(s)).astype(np.float32)
            for psi in TRUNCATION_PSIS:
                z = psi * values
                assert z.dtype == np.float32
                noise.append({'seed': s, 'psi': psi, 'values': hexes(z)})
        out['truncated_noise'] = noise

    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
