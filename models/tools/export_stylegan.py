#!/usr/bin/python3
"""Export a StyleGAN2 / StyleGAN3 generator to a Latent Studio model package (models/README.md).

Sources:
  --pickle PKL        an NVIDIA network pickle (its G_ema): stylegan2-ada-pytorch
                      (training.networks), the stylegan3 repo's StyleGAN2 (networks_stylegan2) or
                      StyleGAN3 configs T/R (networks_stylegan3); read without running its code
  --checkpoint PT     a checkpoint of train_stylegan.py (full or compact)
  --random ...        official random initialisation, seeded (for converter tests); --arch picks
                      stylegan2 (default), stylegan3-t or stylegan3-r

Writes into --out: mapping.onnx (z[,c] -> ws, psi = 1), synthesis.onnx (ws -> img, const noise),
style_affine.npz (for SeFa) and manifest.json. Options:
  --noise-inputs      StyleGAN2: every noise layer's unit noise becomes a synthesis input
                      `noise_<layer>` [1, 1, res, res] (the graph multiplies it by the learned
                      strength); their const buffers go to noise_const.npz, so feeding them gives
                      the const-noise picture.
  --transform-input   StyleGAN3: the input's [3, 3] transform becomes a synthesis input `transform`.
Then verifies: PyTorch outputs (z[, c], ws, img for 3 seeds, plus the extra inputs) go to a
verification JSON (--verify-json, else a temporary folder removed after a passing check) that
`node models/tools/check_onnx.mjs <json>` compares with onnxruntime-web; a difference beyond the
tolerance (see verify_tolerance) exits non-zero. --no-verify skips the comparison.
Wrong input (a missing or foreign file, a flag the architecture lacks) is refused in one line
before anything is written.

Examples:
  /usr/bin/python3 models/tools/export_stylegan.py --random --resolution 32 --z-dim 64 --w-dim 64 \
      --map-layers 2 --channel-base 512 --channel-max 64 --seed 0 --out /tmp/rand32
  /usr/bin/python3 models/tools/export_stylegan.py --checkpoint models/tools/checkpoints/emoji-stylegan.pt \
      --out models/emoji-stylegan --id emoji-stylegan --name 'Emoji StyleGAN'
  /usr/bin/python3 models/tools/export_stylegan.py --pickle stylegan3-r-afhqv2-512x512.pkl \
      --out /tmp/afhq --transform-input
"""
import argparse
import copy
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli  # noqa: E402

cli.require('torch', 'numpy', 'onnx')
import numpy as np  # noqa: E402
import torch  # noqa: E402

from safe_load import CheckpointFormatError, UnsafeCheckpointError, load_torch_file  # noqa: E402
from stylegan.networks import Generator, ws_resolutions  # noqa: E402
from stylegan.networks_sg3 import Generator as Generator3  # noqa: E402
from stylegan.nvidia_pickle import PickleFormatError, load_generator  # noqa: E402

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(os.path.dirname(TOOLS_DIR))
CHECKER = os.path.join(TOOLS_DIR, 'check_onnx.mjs')
CONVERT_CLI = os.path.join('dist', 'cli', 'convert.mjs')
OPSET = 17
SG2_ARCHITECTURE = 'StyleGAN2 (stylegan2-ada-pytorch training.networks.Generator)'
NOISE_CONST_FILE = 'noise_const.npz'
TRANSFORM_INPUT = 'transform'


# ---------------------------------------------------------------------------------------------
# Sources.

def build_random(resolution, z_dim, w_dim, map_layers, channel_base, channel_max, seed, c_dim=0):
    # Seeding right before construction reproduces the official initial weights for that seed,
    # because the constructors draw from torch's RNG in the official order.
    torch.manual_seed(seed)
    G = Generator(z_dim, c_dim, w_dim, resolution, 3,
                  mapping_kwargs=dict(num_layers=map_layers),
                  synthesis_kwargs=dict(channel_base=channel_base, channel_max=channel_max))
    return G.eval()


def build_random_sg3(resolution, z_dim, w_dim, map_layers, channel_base, channel_max, seed, c_dim=0,
                     config='t', num_layers=14):
    """A randomly initialised StyleGAN3 (config 't' or 'r', the stylegan3 train.py settings:
    R = 1x1 convolutions and radial down filters), seeded like build_random."""
    torch.manual_seed(seed)
    extra = dict(conv_kernel=1, use_radial_filters=True) if config == 'r' else {}
    G = Generator3(z_dim, c_dim, w_dim, resolution, 3, mapping_kwargs=dict(num_layers=map_layers),
                   channel_base=channel_base, channel_max=channel_max, num_layers=num_layers, **extra)
    return G.eval()


def load_checkpoint(path):
    """A train_stylegan.py checkpoint (full run state or the compact fp16 one): G_ema weights.
    Read with safe_load (no code from the file runs); anything else is an InputError."""
    try:
        ckpt = load_torch_file(path)
    except (UnsafeCheckpointError, CheckpointFormatError) as error:
        raise cli.InputError(str(error)) from error
    if not isinstance(ckpt, dict) or not {'G_kwargs', 'G_ema'} <= set(ckpt):
        raise cli.InputError(f'{path} is not a train_stylegan.py checkpoint (no G_kwargs / G_ema); for an '
                             'NVIDIA network pickle use --pickle')
    G = Generator(**ckpt['G_kwargs'])
    G.load_state_dict({k: v.float() for k, v in ckpt['G_ema'].items()}, strict=True)
    return G.eval(), ckpt


def load_pickle(path, key='G_ema'):
    """An NVIDIA network pickle's generator, rebuilt with our modules (stylegan/nvidia_pickle.py:
    a restricted unpickler, so no code from the pickle runs). Returns (G, source info); a file it
    cannot read is an InputError."""
    try:
        return load_generator(path, key)
    except PickleFormatError as error:
        raise cli.InputError(f'{path}: {error}') from error


def is_stylegan3(G):
    return hasattr(G.synthesis, 'input')


def generator_ws_resolutions(G):
    if is_stylegan3(G):
        return G.ws_resolutions()
    return ws_resolutions(G.num_ws, G.img_resolution)


def noise_input_name(layer):
    return f'noise_{layer}'


# ---------------------------------------------------------------------------------------------
# Writers.

class _MappingGraph(torch.nn.Module):
    def __init__(self, G):
        super().__init__()
        self.mapping = G.mapping

    def forward(self, z, c=None):
        return self.mapping(z, c, truncation_psi=1)  # truncation happens in the studio


class _SynthesisGraph(torch.nn.Module):
    """ws [+ one unit-noise input per noise layer] [+ transform] -> img."""

    def __init__(self, G, noise_layers=(), transform=False):
        super().__init__()
        self.synthesis = G.synthesis
        self.noise_layers = list(noise_layers)
        self.transform = transform

    def forward(self, ws, *extra):
        kwargs = {}
        if self.noise_layers:
            kwargs['noise'] = dict(zip(self.noise_layers, extra[:len(self.noise_layers)]))
        if self.transform:
            kwargs['transform'] = extra[len(self.noise_layers)]
        return self.synthesis(ws, noise_mode='const', **kwargs)


def _export(module, args, path, input_names, output_names, shapes):
    """Trace `module` to ONNX, then declare every input/output with the dims in `shapes`
    (name -> list of 'batch' | int): the tracer names output dims it cannot prove constant
    symbolically (e.g. `Addimg_dim_1`), but only the batch axis may vary."""
    dyn = {name: {0: 'batch'} for name in input_names + output_names if shapes[name][0] == 'batch'}
    # torch.onnx.export restores the wrapper's train/eval mode recursively afterwards; a fresh
    # wrapper is in train mode, which would switch on w_avg tracking in the wrapped generator.
    module.eval()
    with torch.no_grad(), warnings.catch_warnings():
        # Expected by design: shapes become Python ints (constants) so only the batch stays
        # dynamic; the exporter also notes slices it leaves unfolded.
        warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
        warnings.filterwarnings('ignore', message='Constant folding - Only steps=1')
        torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                          dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True,
                          export_params=True)
    _declare_io_dims(path, shapes)


def _declare_io_dims(path, shapes):
    import onnx
    m = onnx.load(path)
    for v in list(m.graph.input) + list(m.graph.output):
        if v.name not in shapes:
            continue
        dims = v.type.tensor_type.shape.dim
        del dims[:]
        for d in shapes[v.name]:
            dim = dims.add()
            if d == 'batch':
                dim.dim_param = 'batch'
            else:
                dim.dim_value = int(d)
    # Intermediate shape annotations may carry the tracer's symbolic names; the runtime infers them.
    del m.graph.value_info[:]
    onnx.checker.check_model(m)
    onnx.save(m, path)


def write_npz(path, arrays):
    """np.savez, but byte-for-byte reproducible (fixed zip timestamps, stored, sorted order)."""
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_STORED) as zf:
        for key in arrays:
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(key + '.npy', date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def _style_gain(name, layer):
    """What the layer multiplies its affine output by: StyleGAN3 layers say (`style_gain`); a
    StyleGAN2 ToRGB folds its weight gain into the styles, other StyleGAN2 layers use 1."""
    if hasattr(layer, 'style_gain'):
        return layer.style_gain
    return getattr(layer, 'weight_gain', 1.0) if name.endswith('torgb') else 1.0


def style_affine_arrays(G):
    """SeFa needs the matrices that turn w into styles. For each ws-consuming layer, `<layer>` is
    the runtime affine weight [in_channels, w_dim] (stored weight x weight_gain x the layer's style
    gain, see _style_gain) and `<layer>.bias` its bias."""
    out = {}
    layers = []
    with torch.no_grad():
        for name, layer, ws_index in G.synthesis.ws_layers():
            extra = _style_gain(name, layer)
            w = layer.affine.effective_weight() * extra
            b = layer.affine.effective_bias() * extra
            out[name] = w.numpy().astype(np.float32)
            out[name + '.bias'] = b.numpy().astype(np.float32)
            layers.append(dict(name=name, ws_index=ws_index, channels=int(w.shape[0])))
    return out, layers


def noise_const_arrays(G):
    """{noise input name: the layer's noise_const as [1, 1, res, res] float32} in graph order."""
    return {noise_input_name(name): layer.noise_const.detach().numpy().astype(np.float32)[None, None]
            for name, layer in G.synthesis.noise_layers()}


def file_entry(path):
    with open(path, 'rb') as fh:
        data = fh.read()
    return dict(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))


def seed_z(seed, z_dim):
    # The studio's seed -> z (DESIGN §3): numpy's legacy RandomState, then float32.
    return np.random.RandomState(seed & 0xFFFFFFFF).randn(1, z_dim).astype(np.float32)


def seed_c(seed, c_dim):
    """A one-hot class for verification cases of conditional models (class seed mod c_dim)."""
    c = np.zeros((1, c_dim), np.float32)
    c[0, seed % c_dim] = 1
    return c


def torch_reference(G, seeds, psis=(1.0,)):
    """PyTorch outputs for the studio's seed -> z [-> c] -> truncation -> synthesis path."""
    G.eval()
    cases = []
    w_avg = G.mapping.w_avg
    with torch.no_grad():
        for seed in seeds:
            z = torch.from_numpy(seed_z(seed, G.z_dim))
            c = torch.from_numpy(seed_c(seed, G.c_dim)) if G.c_dim > 0 else None
            ws1 = G.mapping(z, c)
            for psi in psis:
                ws = w_avg + psi * (ws1 - w_avg)  # the studio's truncation, all rows
                img = G.synthesis(ws, noise_mode='const')
                cases.append(dict(seed=seed, psi=psi, z=z, c=c, ws=ws, img=img))
    return cases


def visualizer_transform(translate_x, translate_y, angle_deg):
    """The matrix NVIDIA's visualizer and gen_images.py store in `transform` for a translation
    (in units of the image size) and a rotation (degrees): the inverse of
    [[cos a, sin a, x], [-sin a, cos a, y], [0, 0, 1]]."""
    a = np.deg2rad(angle_deg)
    m = np.array([[np.cos(a), np.sin(a), translate_x], [-np.sin(a), np.cos(a), translate_y], [0, 0, 1]])
    return np.linalg.inv(m).astype(np.float32)


def check_input_flags(G, noise_inputs, transform_input):
    """An InputError when --noise-inputs / --transform-input ask for what the generator lacks."""
    if noise_inputs and not G.synthesis.noise_layers():
        raise cli.InputError('--noise-inputs: this generator has no noise layers (StyleGAN3 has none); drop the flag')
    if transform_input and not is_stylegan3(G):
        raise cli.InputError('--transform-input: only StyleGAN3 generators have an input transform; drop the flag')


def export_package(G, out_dir, *, model_id, name, license, attribution, source, extra_files=(),
                   generator_extra=None, verify_json=None, verify_psis=(1.0, 0.5), noise_inputs=False,
                   transform_input=False):
    """Write mapping.onnx, synthesis.onnx, style_affine.npz[, noise_const.npz], manifest.json
    into out_dir.

    extra_files: names of files the caller already put in out_dir (listed in `files`).
    noise_inputs / transform_input: expose per-layer noise (StyleGAN2) / the input transform
    (StyleGAN3) as synthesis inputs, see the module docstring; asking for one the generator lacks
    is an InputError, raised before out_dir is created."""
    G = G.eval()
    sg3 = is_stylegan3(G)
    check_input_flags(G, noise_inputs, transform_input)
    os.makedirs(out_dir, exist_ok=True)
    ws_shape = ['batch', G.num_ws, G.w_dim]
    z = torch.randn(2, G.z_dim)
    shapes = dict(z=['batch', G.z_dim], ws=ws_shape,
                  img=['batch', G.img_channels, G.img_resolution, G.img_resolution])
    if G.c_dim > 0:
        c = torch.zeros(2, G.c_dim)
        c[:, 0] = 1
        shapes['c'] = ['batch', G.c_dim]
        map_inputs, map_args = ['z', 'c'], (z, c)
    else:
        c = None
        map_inputs, map_args = ['z'], (z,)
    _export(_MappingGraph(G), map_args, os.path.join(out_dir, 'mapping.onnx'), map_inputs, ['ws'], shapes)
    ws = G.mapping(z, c).detach()

    noise_layers = [layer for layer, _ in G.synthesis.noise_layers()] if noise_inputs else []
    noise_consts = noise_const_arrays(G) if noise_inputs else {}
    syn_inputs, syn_args = ['ws'], [ws]
    for layer in noise_layers:
        key = noise_input_name(layer)
        syn_inputs.append(key)
        syn_args.append(torch.from_numpy(noise_consts[key]))
        shapes[key] = list(noise_consts[key].shape)
    if transform_input:
        syn_inputs.append(TRANSFORM_INPUT)
        syn_args.append(G.synthesis.input.transform.detach().clone())
        shapes[TRANSFORM_INPUT] = [3, 3]
    _export(_SynthesisGraph(G, noise_layers, transform_input), tuple(syn_args),
            os.path.join(out_dir, 'synthesis.onnx'), syn_inputs, ['img'], shapes)

    arrays, layers = style_affine_arrays(G)
    write_npz(os.path.join(out_dir, 'style_affine.npz'), arrays)
    side_files = dict(style_affine='style_affine.npz')
    written = ['mapping.onnx', 'synthesis.onnx', 'style_affine.npz']
    if noise_inputs:
        write_npz(os.path.join(out_dir, NOISE_CONST_FILE), noise_consts)
        side_files['noise_const'] = NOISE_CONST_FILE
        written.append(NOISE_CONST_FILE)

    files = {}
    for fname in [*written, *extra_files]:
        files[fname] = file_entry(os.path.join(out_dir, fname))

    generator = dict(
        source=source,
        architecture=getattr(G, 'architecture', SG2_ARCHITECTURE),
        init_kwargs=G.init_kwargs(),
        noise_mode='const',
        exporter=f'torch {torch.__version__} tracing exporter, ONNX opset {OPSET}',
        style_affine_layers=layers,
    )
    generator.update(generator_extra or {})
    manifest = dict(
        format=1,
        id=model_id,
        name=name,
        license=license,
        attribution=attribution,
        family='stylegan',
        resolution=G.img_resolution,
        img_channels=G.img_channels,
        z_dim=G.z_dim,
        w_dim=G.w_dim,
        num_ws=G.num_ws,
        c_dim=G.c_dim,
        class_names=[f'class {i}' for i in range(G.c_dim)],
        output_range=[-1, 1],
        ws_resolutions=generator_ws_resolutions(G),
        w_avg=[float(v) for v in G.mapping.w_avg.detach().numpy().astype(np.float32)],
        graphs=dict(
            mapping=dict(file='mapping.onnx', inputs=map_inputs, outputs=['ws']),
            synthesis=dict(file='synthesis.onnx', inputs=syn_inputs, outputs=['img']),
        ),
        files=files,
        side_files=side_files,
    )
    if noise_inputs:
        manifest['noise_inputs'] = [
            dict(name=noise_input_name(layer), resolution=int(noise_consts[noise_input_name(layer)].shape[-1]),
                 const_file=NOISE_CONST_FILE) for layer in noise_layers]
    if transform_input:
        manifest['transform_input'] = dict(
            name=TRANSFORM_INPUT,
            default=[[float(v) for v in row] for row in G.synthesis.input.transform.detach().numpy()])
    manifest['generator'] = generator
    with open(os.path.join(out_dir, 'manifest.json'), 'w') as fh:
        json.dump(manifest, fh, indent=2)
        fh.write('\n')

    check_graphs(out_dir, manifest)
    if verify_json:
        write_verify_json(G, out_dir, verify_json, psis=verify_psis, noise_layers=noise_layers,
                          transform_input=transform_input)
    return manifest


def check_graphs(out_dir, manifest):
    """Structural checks we can run without an ONNX runtime: valid model, opset, no grouped Conv,
    no Conv with input channels not divisible by 4 and no Sin (both compute wrong or imprecise
    values on onnxruntime-web's WebGPU backend, see stylegan/networks.py conv2d and
    networks_sg3.py sin_cycles), no RandomNormal, inputs/outputs as the manifest lists them,
    dynamic batch on z/c/ws/img only."""
    import onnx
    for key, spec in manifest['graphs'].items():
        fname = spec['file']
        m = onnx.load(os.path.join(out_dir, fname))
        onnx.checker.check_model(m)
        # Conv weights may be computed (a flipped FIR filter): take their shapes from inference.
        inferred = onnx.shape_inference.infer_shapes(m).graph.value_info
        weight_shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in inferred}
        weight_shapes.update({t.name: list(t.dims) for t in m.graph.initializer})
        weight_shapes.update({n.output[0]: list(a.t.dims) for n in m.graph.node if n.op_type == 'Constant'
                              for a in n.attribute if a.name == 'value'})

        def check_node(node):
            if node.op_type == 'Conv':
                w = weight_shapes.get(node.input[1])
                assert w is not None and (w[1] % 4 == 0 or w[1] == 1), \
                    f'{fname}: Conv {node.name} with weight {w} (input channels not a multiple of 4)'
            assert node.op_type != 'Sin', f'{fname}: Sin (use networks_sg3.sin_cycles)'

        ops = checked_op_counts(m, fname, check_node)
        weights = {t.name for t in m.graph.initializer}
        names = [v.name for v in m.graph.input if v.name not in weights]
        assert names == spec['inputs'], f'{fname}: inputs {names} != manifest {spec["inputs"]}'
        assert [v.name for v in m.graph.output] == spec['outputs'], f'{fname}: outputs differ from the manifest'
        for v in list(m.graph.input) + list(m.graph.output):
            dims = v.type.tensor_type.shape.dim
            symbolic = [i for i, d in enumerate(dims) if not d.HasField('dim_value')]
            batched = v.name in ('z', 'c', 'ws', 'img')
            assert symbolic == ([0] if batched else []), f'{fname}: {v.name} has symbolic dims at {symbolic}'
        print_graph_summary(os.path.join(out_dir, fname), ops)


def checked_op_counts(m, label, check_node=None):
    """{op type: count} of an ONNX model, asserting (messages prefixed with `label`) what no
    exported graph may hold: a grouped Conv / ConvTranspose (slow on WebGPU) or a Random* op
    (exports are deterministic). check_node(node), when given, runs the caller's own assertions
    on every node."""
    ops = {}
    for node in m.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
        if node.op_type in ('Conv', 'ConvTranspose'):
            group = [a.i for a in node.attribute if a.name == 'group']
            assert not group or group[0] == 1, f'{label}: grouped {node.op_type}'
        if check_node is not None:
            check_node(node)
        assert not node.op_type.startswith('Random'), f'{label}: {node.op_type}'
    return ops


def print_graph_summary(path, ops):
    """One line per exported graph: file name, size, op counts."""
    print(f'{os.path.basename(path)}: {os.path.getsize(path)} bytes, ops {dict(sorted(ops.items()))}')


def _rounded(t, digits):
    return [round(v, digits) for v in t.flatten().tolist()]


def _feed(array):
    array = np.asarray(array, np.float32)
    return dict(dims=list(array.shape), data=[float(v) for v in array.flatten()])


# How far an ONNX output may be from the float64 reference. Both the ONNX graph and PyTorch compute
# in float32, each with its own summation order, so each lands some rounding noise away from the
# exact (float64) result; a deep or wide network has more of it. A fixed limit fails correct exports
# of big networks (measured: official biggan-deep-128 code 2.7e-4 from float64, ONNX 1e-3 from
# PyTorch float32), so the limit scales with the noise PyTorch itself shows on the same cases. The
# floor, relative to the output's magnitude, keeps tiny networks (noise ~1e-7) from a limit no other
# float32 summation order could meet.
TOLERANCE_FACTOR = 8
TOLERANCE_FLOOR = 2.0 ** -16


def verify_tolerance(reference, torch32_error):
    """The largest |ONNX - float64 reference| a correct export may show, for outputs whose float64
    values are `reference` (array) and whose PyTorch float32 values are `torch32_error` away from
    it (max abs): TOLERANCE_FACTOR x that error, at least TOLERANCE_FLOOR x max(1, max|reference|)."""
    scale = max(1.0, float(np.abs(reference).max()))
    return max(TOLERANCE_FACTOR * float(torch32_error), TOLERANCE_FLOOR * scale)


TOLERANCE_RULE = (f'max |ONNX - float64 PyTorch| <= max({TOLERANCE_FACTOR} x max |float32 PyTorch - float64 '
                  f'PyTorch|, 2^-16 x max(1, max |float64 output|)) over the cases (export_stylegan.verify_tolerance)')


def float64_copy(G):
    """G with every parameter and buffer in float64: the verification reference."""
    return copy.deepcopy(G).double().eval()


def _synthesis_kwargs(noise_layers, transform_input, default_feeds, feeds, dtype):
    kwargs = {}
    if noise_layers:
        noise = {**default_feeds, **feeds}
        kwargs['noise'] = {layer: torch.from_numpy(noise[noise_input_name(layer)]).to(dtype) for layer in noise_layers}
    if transform_input:
        kwargs['transform'] = torch.from_numpy(feeds.get(TRANSFORM_INPUT, default_feeds[TRANSFORM_INPUT])).to(dtype)
    return kwargs


def write_verify_json(G, out_dir, path, seeds=(0, 1, 42), psis=(1.0, 0.5), noise_layers=(),
                      transform_input=False):
    """PyTorch outputs for check_onnx.mjs: the float64 reference (a float64 copy of G run on the
    same float32 inputs) as `ws` / `img`, and the tolerances that verify_tolerance derives from how
    far G's own float32 outputs are from it. `synthesis_feeds` are fed on every synthesis run (the
    const noise buffers, the stored transform): with them the graph must reproduce the const-noise
    picture. Extra cases feed other noise (zeros; seeded normal x 0.5) or a rotation+translation."""
    G64 = float64_copy(G)
    cases = torch_reference(G, seeds, psis)
    cases64 = torch_reference(G64, seeds, psis)
    default_feeds = {}
    for layer in noise_layers:
        default_feeds[noise_input_name(layer)] = noise_const_arrays(G)[noise_input_name(layer)]
    if transform_input:
        default_feeds[TRANSFORM_INPUT] = G.synthesis.input.transform.detach().numpy()
    variants = []
    if noise_layers:
        rng = np.random.RandomState(7)
        variants.append(('noise none', {k: np.zeros_like(v) for k, v in default_feeds.items()
                                        if k != TRANSFORM_INPUT}))
        variants.append(('noise random x0.5', {k: (0.5 * rng.randn(*v.shape)).astype(np.float32)
                                               for k, v in default_feeds.items() if k != TRANSFORM_INPUT}))
    if transform_input:
        variants.append(('transform rotate 20 translate (0.1, -0.05)',
                         {TRANSFORM_INPUT: visualizer_transform(0.1, -0.05, 20)}))
        # Not a visualizer matrix: a zoom-out pushes frequencies out of band, exercising the damping.
        variants.append(('transform scale 1.6', {TRANSFORM_INPUT: np.diag([1.6, 1.6, 1]).astype(np.float32)}))
    docs = []
    img_err = ws_err = 0.0
    imgs64, wss64 = [], []

    def record(case, case64, img, img64, extra):
        nonlocal img_err, ws_err
        img_err = max(img_err, float((img.double() - img64).abs().max()))
        ws_err = max(ws_err, float((case['ws'].double() - case64['ws']).abs().max()))
        imgs64.append(img64.numpy())
        wss64.append(case64['ws'].numpy())
        docs.append(dict(**extra, seed=case['seed'], psi=case['psi'], z=case['z'][0].tolist(),
                         **({'c': case['c'][0].tolist()} if case['c'] is not None else {}),
                         ws_shape=list(case64['ws'].shape), ws=_rounded(case64['ws'], 8),
                         img_shape=list(img64.shape), img=_rounded(img64, 8)))

    for case, case64 in zip(cases, cases64):
        record(case, case64, case['img'], case64['img'], {})
    base, base64 = cases[0], cases64[0]
    with torch.no_grad():
        for label, feeds in variants:
            img = G.synthesis(base['ws'], noise_mode='const',
                              **_synthesis_kwargs(noise_layers, transform_input, default_feeds, feeds, torch.float32))
            img64 = G64.synthesis(base64['ws'], noise_mode='const',
                                  **_synthesis_kwargs(noise_layers, transform_input, default_feeds, feeds, torch.float64))
            record(base, base64, img, img64, dict(label=label, synthesis_feeds={k: _feed(v) for k, v in feeds.items()}))
    tolerance = verify_tolerance(np.concatenate([a.ravel() for a in imgs64]), img_err)
    ws_tolerance = verify_tolerance(np.concatenate([a.ravel() for a in wss64]), ws_err)
    doc = dict(package=os.path.abspath(out_dir), synthesis_feeds={k: _feed(v) for k, v in default_feeds.items()},
               reference='float64', tolerance=tolerance, ws_tolerance=ws_tolerance, tolerance_rule=TOLERANCE_RULE,
               torch_float32_error=dict(img=img_err, ws=ws_err), cases=docs)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as fh:
        json.dump(doc, fh)
    print(f'verification data: {path}  (PyTorch float32 vs float64: img {img_err:.2e}, ws {ws_err:.2e}; '
          f'tolerance img {tolerance:.2e}, ws {ws_tolerance:.2e})')


def add_package_arguments(ap):
    """--id, --name, --license, --attribution: the package metadata every exporter takes."""
    ap.add_argument('--id', default=None, help='package id (default: folder name)')
    ap.add_argument('--name', default=None)
    ap.add_argument('--license', default=None)
    ap.add_argument('--attribution', default=None)


def package_id(args):
    """--id, or the --out folder's name in lower case."""
    return args.id or os.path.basename(os.path.normpath(args.out)).lower()


def package_metadata(args, model_id, license, attribution):
    """export_package's model_id / name / license / attribution: the options where given, else
    the id and the source's license and attribution."""
    return dict(model_id=model_id, name=args.name or model_id, license=args.license or license,
                attribution=args.attribution or attribution)


def add_verify_arguments(ap):
    """--verify-json and --no-verify: the verification options every exporter takes."""
    ap.add_argument('--verify-json', default=None,
                    help='keep the PyTorch outputs for the ONNX check in this file (default: a temporary '
                         'folder, removed after a passing check)')
    ap.add_argument('--no-verify', action='store_true', help='skip the onnxruntime-web comparison')


def add_fp16_argument(ap):
    """--fp16: the float16 twins every exporter can add (the studio's own pass, run_fp16)."""
    ap.add_argument('--fp16', action='store_true',
                    help='also write a float16 twin of the frame graph (synthesis / generator), measured against '
                         'float32 and recorded in the manifest: `npm run convert -- --fp16 --package <out>`')


def run_fp16(out_dir):
    """`npm run convert -- --fp16 --package <out_dir>` from the repository root: the studio's float16
    pass and its error measure (main/cli/fp16.ts), so that they exist once. Builds the CLI first;
    prints its output and returns its exit status."""
    for argv in (['node', os.path.join('scripts', 'build.mjs'), '--only', 'cli'],
                 ['node', CONVERT_CLI, '--fp16', '--package', os.path.abspath(out_dir)]):
        try:
            res = subprocess.run(argv, cwd=REPO_DIR, capture_output=True, text=True)
        except FileNotFoundError as error:
            raise cli.InputError('node is not on PATH: --fp16 runs the studio\'s converter in Node 20+; install it '
                                 'or leave out --fp16') from error
        sys.stdout.write(res.stdout)
        sys.stderr.write(res.stderr)
        if res.returncode != 0:
            return res.returncode
    return 0


def verify_target(args, model_id):
    """(verification JSON path, temporary folder to remove after a passing check or None), or
    (None, None) with --no-verify. Never a path inside the checkout unless --verify-json names one."""
    if args.no_verify:
        return None, None
    if args.verify_json:
        return args.verify_json, None
    tmp = tempfile.mkdtemp(prefix='latent-studio-verify-')
    return os.path.join(tmp, f'{model_id}.json'), tmp


def run_checker(checker, verify_json, tmp_dir=None):
    """`node <checker> <verify_json>` from the repository root (its onnxruntime-web); prints its
    output and returns its exit status. A passing check removes tmp_dir; a failing one keeps it and
    says where it is."""
    try:
        res = subprocess.run(['node', checker, verify_json], cwd=REPO_DIR, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise cli.InputError('node is not on PATH: the ONNX check runs onnxruntime-web in Node 20+; install it '
                             'or pass --no-verify') from error
    sys.stdout.write(res.stdout)
    sys.stderr.write(res.stderr)
    if res.returncode == 0 and tmp_dir:
        shutil.rmtree(tmp_dir)
    elif tmp_dir:
        print(f'verification data kept in {tmp_dir}')
    return res.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument('--pickle', help='NVIDIA network pickle (StyleGAN2-ADA or StyleGAN3)')
    src.add_argument('--checkpoint', help='train_stylegan.py checkpoint (.pt)')
    src.add_argument('--random', action='store_true', help='random official initialisation (see --arch)')
    ap.add_argument('--out', required=True, help='package folder to write')
    ap.add_argument('--pickle-key', default='G_ema', help='which network of the pickle to convert (default G_ema)')
    ap.add_argument('--noise-inputs', action='store_true',
                    help='StyleGAN2: expose per-layer noise as synthesis inputs noise_<layer> [1,1,res,res]')
    ap.add_argument('--transform-input', action='store_true',
                    help='StyleGAN3: expose the input transform as synthesis input "transform" [3,3]')
    ap.add_argument('--arch', choices=['stylegan2', 'stylegan3-t', 'stylegan3-r'], default='stylegan2',
                    help='architecture for --random')
    ap.add_argument('--num-layers', type=int, default=14, help='StyleGAN3 synthesis layers for --random')
    ap.add_argument('--resolution', type=int, default=32)
    ap.add_argument('--z-dim', type=int, default=64)
    ap.add_argument('--w-dim', type=int, default=64)
    ap.add_argument('--c-dim', type=int, default=0)
    ap.add_argument('--map-layers', type=int, default=2)
    ap.add_argument("--channel-base", type=int, default=512)
    ap.add_argument('--channel-max', type=int, default=64)
    ap.add_argument('--seed', type=int, default=0)
    add_package_arguments(ap)
    add_verify_arguments(ap)
    add_fp16_argument(ap)
    args = ap.parse_args()
    torch.set_num_threads(1)

    cli.output_folder(args.out)
    if args.checkpoint:
        cli.existing_file(args.checkpoint, '--checkpoint')
    if args.pickle:
        cli.existing_file(args.pickle, '--pickle')
    if args.random and (args.resolution < 4 or args.resolution & (args.resolution - 1)):
        raise cli.InputError(f'--resolution {args.resolution}: a StyleGAN resolution is a power of two, at least 4')
    model_id = package_id(args)
    extra = {}
    if args.random and args.arch == 'stylegan2':
        G = build_random(args.resolution, args.z_dim, args.w_dim, args.map_layers,
                         args.channel_base, args.channel_max, args.seed, c_dim=args.c_dim)
    elif args.random:
        G = build_random_sg3(args.resolution, args.z_dim, args.w_dim, args.map_layers, args.channel_base,
                             args.channel_max, args.seed, c_dim=args.c_dim, config=args.arch[-1],
                             num_layers=args.num_layers)
    if args.random:
        source = 'random'
        extra = dict(seed=args.seed)
        license_, attribution = 'CC0-1.0', 'Random weights (Latent Studio export_stylegan.py)'
    elif args.checkpoint:
        G, ckpt = load_checkpoint(args.checkpoint)
        source = 'train_stylegan.py checkpoint'
        info = dict(ckpt.get('train_info', {}))
        if os.path.isabs(info.get('dataset', '')):  # keep local paths out of the manifest
            info['dataset'] = os.path.relpath(info['dataset'], os.path.dirname(os.path.dirname(TOOLS_DIR)))
        extra = dict(step=int(ckpt.get('step', 0)), kimg=float(ckpt.get('kimg', ckpt.get('nimg', 0) / 1000)),
                     training=info)
        license_ = ckpt.get('license', 'CC-BY-4.0')
        attribution = ckpt.get('attribution', 'Trained with Latent Studio train_stylegan.py')
    else:
        G, info = load_pickle(args.pickle, args.pickle_key)
        source = info.pop('source')
        extra = dict(info, pickle=os.path.basename(args.pickle), pickle_key=args.pickle_key)
        license_, attribution = 'see source', os.path.basename(args.pickle)
    check_input_flags(G, args.noise_inputs, args.transform_input)
    verify, tmp_dir = verify_target(args, model_id)
    export_package(G, args.out, **package_metadata(args, model_id, license_, attribution),
                   source=source, generator_extra=extra, verify_json=verify,
                   noise_inputs=args.noise_inputs, transform_input=args.transform_input)
    print(f'wrote {args.out}')
    if verify and run_checker(CHECKER, verify, tmp_dir) != 0:
        sys.exit('ONNX output differs from the PyTorch forward beyond the tolerance (see above)')
    if args.fp16 and run_fp16(args.out) != 0:
        sys.exit('the float16 twin could not be made (see above); the float32 package is complete')


if __name__ == '__main__':
    cli.run(main)
