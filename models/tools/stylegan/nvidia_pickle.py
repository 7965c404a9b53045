"""Read NVIDIA network pickles (StyleGAN2-ADA, StyleGAN3) without running any code from them.

NVIDIA's `torch_utils.persistence` pickles every network module as a call
`_reconstruct_persistent_obj(meta)` with meta = {type: 'class', version, module_src (the source of
the whole networks module), class_name, state (the module's __dict__: _parameters, _buffers,
_modules, plain attributes, _init_args, _init_kwargs)}. Unpickling it normally would exec
module_src. Here a restricted Unpickler resolves only an allow-list of globals: the persistence
hook becomes `PersistentObject`, which keeps class name, state and constructor arguments and never
looks at the source; tensors are rebuilt from their raw storage bytes (the legacy torch.save
stream inside `torch.storage._load_from_bytes`) by our own reader; numpy scalars/arrays, OrderedDict
and dnnlib's EasyDict (as a plain dict) are allowed. Anything else (os.system, builtins.eval,
exotic torch internals) is refused with an error naming it.

`rebuild_generator` then constructs our ONNX-friendly generator (stylegan.networks or
stylegan.networks_sg3) from the stored constructor arguments and loads the stored tensors with
`strict=True`, after checking the architecture attributes each stored module recorded (conv_clamp,
padding, filter taps, ...) against the rebuilt one, so a default that differs between NVIDIA's
code versions cannot slip through.
"""

import collections
import hashlib
import io
import pickle
import struct

import numpy as np
import torch

from . import networks as sg2
from . import networks_sg3 as sg3

PERSISTENCE_VERSION = 6  # the only version NVIDIA's stylegan2-ada-pytorch and stylegan3 write


class PickleFormatError(ValueError):
    """The file is not a network pickle this converter can read; the message says why."""


class EasyDict(dict):
    """Stand-in for dnnlib.util.EasyDict: a dict (its attribute access is not needed here)."""


class PersistentObject:
    """What `_reconstruct_persistent_obj(meta)` stood for: one persisted module, not executed."""

    def __init__(self, meta):
        if not isinstance(meta, dict) or meta.get('type') != 'class':
            raise PickleFormatError(f'unexpected persistence record {type(meta).__name__}: not a class record')
        self.version = meta.get('version')
        self.class_name = meta.get('class_name')
        src = meta.get('module_src') or ''
        # Kept as a fingerprint for provenance only; the text is never executed or parsed.
        self.module_src_sha256 = hashlib.sha256(src.encode('utf-8')).hexdigest()
        self.state = dict(meta.get('state') or {})

    @property
    def init_args(self):
        return tuple(self.state.get('_init_args', ()))

    @property
    def init_kwargs(self):
        return to_plain(self.state.get('_init_kwargs', {}))

    @property
    def modules(self):
        """Child modules by name (None entries, e.g. an absent embedding, dropped)."""
        return {k: v for k, v in (self.state.get('_modules') or {}).items() if v is not None}

    def get(self, name, default=None):
        return self.state.get(name, default)

    def state_dict(self, prefix=''):
        """The tensors nn.Module.state_dict() would return for this module tree."""
        out = collections.OrderedDict()
        skip = set(self.state.get('_non_persistent_buffers_set') or ())
        for key in ('_parameters', '_buffers'):
            for name, value in (self.state.get(key) or {}).items():
                if value is not None and not (key == '_buffers' and name in skip):
                    out[prefix + name] = value
        for name, child in self.modules.items():
            if not isinstance(child, PersistentObject):
                raise PickleFormatError(f'module {prefix + name} is a {type(child).__name__}, not a persisted network module')
            out.update(child.state_dict(prefix + name + '.'))
        return out

    def __repr__(self):
        return f'PersistentObject({self.class_name})'


def to_plain(value):
    """EasyDicts, tuples and numpy scalars -> plain JSON-able Python values."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


# ---------------------------------------------------------------------------------------------
# Tensors: storages are legacy torch.save streams (magic, protocol, sys_info, one pickled storage
# reference, the list of storage keys, then per key an int64 element count and the raw bytes).

_LEGACY_MAGIC = 0x1950a86a20f9469cfc6c
_STORAGE_DTYPES = {
    'FloatStorage': np.float32, 'HalfStorage': np.float16, 'DoubleStorage': np.float64,
    'BFloat16Storage': 'bfloat16', 'LongStorage': np.int64, 'IntStorage': np.int32,
    'ShortStorage': np.int16, 'CharStorage': np.int8, 'ByteStorage': np.uint8, 'BoolStorage': np.bool_,
}


class _StorageType:
    def __init__(self, name):
        self.name = name


class _LegacyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == 'torch' and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if module == 'collections' and name == 'OrderedDict':
            return collections.OrderedDict
        raise PickleFormatError(f'a tensor storage references {module}.{name}, which is not allowed')

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == 'storage'):
            raise PickleFormatError(f'unexpected persistent id {pid!r} in a tensor storage')
        storage_type, key, _location, numel, view = pid[1:6] if len(pid) >= 6 else (*pid[1:5], None)
        if not isinstance(storage_type, _StorageType):
            raise PickleFormatError('a tensor storage names no storage type')
        return ('storage', storage_type.name, str(key), int(numel), view)


def _load_storage(data):
    """torch.storage._load_from_bytes(data) without torch.load: a 1-D tensor of the storage."""
    f = io.BytesIO(data)
    if _LegacyUnpickler(f).load() != _LEGACY_MAGIC:
        raise PickleFormatError('a tensor storage is not in the legacy torch.save format')
    _LegacyUnpickler(f).load()  # protocol version
    sys_info = _LegacyUnpickler(f).load()
    little = not isinstance(sys_info, dict) or sys_info.get('little_endian', True)
    ref = _LegacyUnpickler(f).load()
    keys = _LegacyUnpickler(f).load()
    if not (isinstance(ref, tuple) and ref[0] == 'storage') or [str(k) for k in keys] != [ref[2]]:
        raise PickleFormatError('a tensor storage does not hold exactly one storage')
    _tag, type_name, _key, numel, view = ref
    dtype = _STORAGE_DTYPES[type_name]
    (count,) = struct.unpack('<q' if little else '>q', f.read(8))
    raw_dtype = np.dtype(np.uint16 if dtype == 'bfloat16' else dtype).newbyteorder('<' if little else '>')
    raw = f.read(count * raw_dtype.itemsize)
    if count != numel or len(raw) != count * raw_dtype.itemsize:
        raise PickleFormatError('a tensor storage is cut short')
    arr = np.frombuffer(raw, dtype=raw_dtype).astype(raw_dtype.newbyteorder('='))
    if dtype == 'bfloat16':  # bfloat16 is the top half of a float32
        arr = (arr.astype(np.uint32) << 16).view(np.float32)
    storage = torch.from_numpy(arr)
    if view is not None:  # very old torch: a view (key, offset, size) into the storage
        _view_key, offset, size = view
        storage = storage[int(offset):int(offset) + int(size)]
    return storage


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, *rest):
    if not isinstance(storage, torch.Tensor):
        raise PickleFormatError('a tensor is rebuilt from something that is not a storage')
    return torch.as_strided(storage, tuple(size), tuple(stride), int(storage_offset)).clone()


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *rest):
    return data  # a plain tensor is all load_state_dict needs


class _TypeMarker:
    def __init__(self, name):
        self.name = name


def _rebuild_from_type_v2(func, new_type, args, state):
    # Newer torch wraps tensors of subclasses (Parameter) in this; `func` went through find_class.
    if not (callable(func) and func in (_rebuild_tensor_v2, _rebuild_parameter)):
        raise PickleFormatError('a tensor is rebuilt by a function that is not allowed')
    return func(*args)


def _numpy_multiarray(name):
    # numpy 2 renamed numpy.core to numpy._core; resolve whichever this numpy has.
    core = getattr(np, '_core', None) or np.core
    return getattr(core.multiarray, name)


_ALLOWED = {
    ('torch_utils.persistence', '_reconstruct_persistent_obj'): lambda: PersistentObject,
    ('collections', 'OrderedDict'): lambda: collections.OrderedDict,
    ('builtins', 'set'): lambda: set,
    ('builtins', 'frozenset'): lambda: frozenset,
    ('__builtin__', 'set'): lambda: set,
    ('dnnlib.util', 'EasyDict'): lambda: EasyDict,
    ('dnnlib', 'EasyDict'): lambda: EasyDict,
    ('torch._utils', '_rebuild_tensor_v2'): lambda: _rebuild_tensor_v2,
    ('torch._utils', '_rebuild_parameter'): lambda: _rebuild_parameter,
    ('torch._utils', '_rebuild_parameter_with_state'): lambda: _rebuild_parameter,
    ('torch._tensor', '_rebuild_from_type_v2'): lambda: _rebuild_from_type_v2,
    ('torch', 'Tensor'): lambda: _TypeMarker('Tensor'),
    ('torch.nn.parameter', 'Parameter'): lambda: _TypeMarker('Parameter'),
    ('torch.storage', '_load_from_bytes'): lambda: _load_storage,
    ('torch', 'Size'): lambda: torch.Size,
    ('torch', 'device'): lambda: torch.device,
    ('numpy', 'dtype'): lambda: np.dtype,
    ('numpy', 'ndarray'): lambda: np.ndarray,
    ('numpy.core.multiarray', 'scalar'): lambda: _numpy_multiarray('scalar'),
    ('numpy._core.multiarray', 'scalar'): lambda: _numpy_multiarray('scalar'),
    ('numpy.core.multiarray', '_reconstruct'): lambda: _numpy_multiarray('_reconstruct'),
    ('numpy._core.multiarray', '_reconstruct'): lambda: _numpy_multiarray('_reconstruct'),
}
_TORCH_DTYPES = {'float32', 'float16', 'float64', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'}


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the globals an NVIDIA network pickle needs; never imports their code."""

    def find_class(self, module, name):
        factory = _ALLOWED.get((module, name))
        if factory is not None:
            return factory()
        if module == 'torch' and name in _TORCH_DTYPES:
            return getattr(torch, name)
        raise PickleFormatError(
            f'the pickle references {module}.{name}, which a network pickle does not need; the '
            'converter never runs code from a pickle, so it refuses the file. Re-save the network '
            'with NVIDIA\'s training code (stylegan2-ada-pytorch or stylegan3).')

    def persistent_load(self, pid):
        raise PickleFormatError('the file uses persistent ids (a torch.save checkpoint?), not an NVIDIA network pickle; '
                                'use --checkpoint for train_stylegan.py checkpoints')


def load_network_pickle(file):
    """Unpickle an NVIDIA network pickle (path or binary file object) with RestrictedUnpickler.
    Returns its top-level dict: usually G, D, G_ema (PersistentObject), augment_pipe,
    training_set_kwargs."""
    if isinstance(file, (str, bytes)) or hasattr(file, '__fspath__'):
        with open(file, 'rb') as fh:
            return load_network_pickle(fh)
    try:
        data = RestrictedUnpickler(file).load()
    except PickleFormatError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError) as error:
        raise PickleFormatError(f'not a readable network pickle ({type(error).__name__}: {error})') from error
    if not isinstance(data, dict):
        raise PickleFormatError(f'the pickle holds a {type(data).__name__}, not the dict of networks NVIDIA\'s training writes')
    return data


# ---------------------------------------------------------------------------------------------
# Rebuilding.

# Attributes that both NVIDIA's modules and ours record; they pin the architecture beyond tensor
# shapes (a clamp or a padding that differs changes the function, not the state dict).
_CHECKED_ATTRS = (
    'z_dim', 'c_dim', 'w_dim', 'num_ws', 'img_resolution', 'img_channels', 'num_layers',
    'in_channels', 'out_channels', 'resolution', 'architecture', 'up', 'padding', 'activation',
    'conv_clamp', 'use_noise', 'weight_gain', 'bias_gain', 'act_gain', 'is_torgb',
    'is_critically_sampled', 'in_size', 'out_size', 'in_sampling_rate', 'out_sampling_rate',
    'up_factor', 'down_factor', 'up_taps', 'down_taps', 'down_radial', 'conv_kernel', 'channels',
    'size', 'sampling_rate', 'bandwidth', 'margin_size', 'output_scale', 'num_critical',
)

_G_POSITIONAL = ('z_dim', 'c_dim', 'w_dim', 'img_resolution', 'img_channels', 'mapping_kwargs')


def _same(a, b):
    if isinstance(a, (str, bool, type(None))) or isinstance(b, (str, bool, type(None))):
        return a == b
    try:
        return np.allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol=1e-6, atol=0)
    except (TypeError, ValueError):
        return a == b


def check_attributes(module, stub, path='G'):
    """Compare the recorded architecture attributes of `stub` and our `module`, recursively;
    raise PickleFormatError naming the first difference."""
    if type(module).__name__ != stub.class_name:
        raise PickleFormatError(f'{path} is a {stub.class_name} in the pickle but {type(module).__name__} here')
    for name in _CHECKED_ATTRS:
        if name in stub.state and hasattr(module, name):
            theirs, ours = to_plain(stub.state[name]), to_plain(getattr(module, name))
            if not _same(theirs, ours):
                raise PickleFormatError(f'{path}.{name} is {theirs!r} in the pickle but {ours!r} in the rebuilt network')
    children = dict(module.named_children())
    for name, child in stub.modules.items():
        if name not in children:
            raise PickleFormatError(f'{path}.{name} ({child.class_name}) has no counterpart in the rebuilt network')
        check_attributes(children[name], child, f'{path}.{name}')


def _generator_kwargs(stub):
    kwargs = dict(stub.init_kwargs)
    for name, value in zip(_G_POSITIONAL, stub.init_args):
        kwargs.setdefault(name, to_plain(value))
    missing = [k for k in _G_POSITIONAL[:5] if k not in kwargs]
    if missing:
        raise PickleFormatError(f'G_ema records no {", ".join(missing)} among its constructor arguments')
    return kwargs


def rebuild_generator(stub):
    """Our generator equal to the persisted `stub` (a PersistentObject of class Generator), in
    eval mode, plus a dict describing the source for the manifest."""
    if not isinstance(stub, PersistentObject) or stub.class_name != 'Generator':
        raise PickleFormatError(f'expected a persisted Generator, got {stub!r}')
    if stub.version != PERSISTENCE_VERSION:
        raise PickleFormatError(f'persistence version {stub.version} (this converter reads {PERSISTENCE_VERSION})')
    synthesis = stub.modules.get('synthesis')
    if synthesis is None:
        raise PickleFormatError('the Generator has no synthesis network')
    kwargs = _generator_kwargs(stub)
    base = {k: kwargs.pop(k) for k in _G_POSITIONAL[:5]}
    mapping_kwargs = kwargs.pop('mapping_kwargs', {}) or {}
    inp = synthesis.modules.get('input')
    if inp is not None and inp.class_name == 'SynthesisInput':
        G = sg3.Generator(**base, mapping_kwargs=mapping_kwargs, **kwargs)
        source = 'stylegan3 training.networks_stylegan3 pickle'
    else:
        if 'synthesis_kwargs' in kwargs:  # stylegan2-ada-pytorch: Generator(..., synthesis_kwargs)
            synthesis_kwargs = dict(kwargs.pop('synthesis_kwargs') or {})
            source = 'stylegan2-ada-pytorch training.networks pickle'
            default_clamp = None
        else:  # stylegan3 repo's StyleGAN2: Generator(..., **synthesis_kwargs), conv_clamp default 256
            synthesis_kwargs, kwargs = kwargs, {}
            source = 'stylegan3 training.networks_stylegan2 pickle'
            default_clamp = 256
        if kwargs:
            raise PickleFormatError(f'unexpected Generator arguments {sorted(kwargs)}')
        synthesis_kwargs.setdefault('conv_clamp', default_clamp)
        G = sg2.Generator(**base, mapping_kwargs=mapping_kwargs, synthesis_kwargs=synthesis_kwargs)
    check_attributes(G, stub)
    state = {k: v.to(torch.float32) if v.is_floating_point() else v for k, v in stub.state_dict().items()}
    try:
        G.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise PickleFormatError(f'the stored tensors do not fit the rebuilt {source.split(" pickle")[0]} generator: {error}') from error
    info = dict(source=source, persistence_version=stub.version,
                module_src_sha256=stub.module_src_sha256, pickle_init_kwargs=stub.init_kwargs)
    return G.eval(), info


def load_generator(path, key='G_ema'):
    """Read `path` and rebuild its `key` network (G_ema by default)."""
    data = load_network_pickle(path)
    if key not in data:
        raise PickleFormatError(f'the pickle has no "{key}" (it has: {", ".join(map(str, data))})')
    return rebuild_generator(data[key])
