"""Write networks in NVIDIA's network-pickle container format, without NVIDIA's code (test helper).

Layout of torch_utils/persistence.py (version 6), as stylegan2-ada-pytorch and stylegan3 write it
with `pickle.dump(dict(G=..., D=..., G_ema=..., augment_pipe=..., training_set_kwargs=...))`:
every persistent module pickles as REDUCE(torch_utils.persistence._reconstruct_persistent_obj,
(meta,)) with meta = {type: 'class', version: 6, module_src: <source text of the whole networks
module>, class_name: <class name>, state: <the module's __dict__>}. The __dict__ holds the
nn.Module internals (_parameters, _buffers, _non_persistent_buffers_set, hooks, _modules whose
values are persistent modules again), the plain attributes __init__ set (ints, floats, numpy
scalars and arrays, lists) and `_init_args` / `_init_kwargs` (the constructor arguments, deep
copies). Tensors pickle the ordinary way: torch._utils._rebuild_parameter /
_rebuild_tensor_v2 over a storage that pickles as torch.storage._load_from_bytes(<legacy
torch.save bytes>). Constructor kwarg dicts are dnnlib.util.EasyDict instances.

`recording_init_args()` makes our module classes record their constructor arguments the way the
persistence decorator does; `write_network_pickle()` writes the container. The two globals only
NVIDIA's code defines are provided by stand-in modules registered under their names while
pickling, because pickle stores a function or class by module and name and checks the lookup.
"""
import contextlib
import copy
import pickle
import sys
import types

import torch

PERSISTENCE_VERSION = 6
# A canary in place of NVIDIA's module source: a reader that executed it would exit here.
MODULE_SRC = "raise SystemExit('the embedded module source of a network pickle was executed')\n"


class EasyDict(dict):
    """Pickled as dnnlib.util.EasyDict (see _stand_in_modules)."""


def _reconstruct_persistent_obj(meta):  # pickled by name only; never called here
    raise AssertionError('stand-in for torch_utils.persistence._reconstruct_persistent_obj')


@contextlib.contextmanager
def recording_init_args(*modules):
    """While active, every nn.Module class defined in `modules` stores `_init_args` and
    `_init_kwargs` on its instances, as the persistence decorator does."""
    patched = []
    for module in modules:
        for cls in vars(module).values():
            if isinstance(cls, type) and issubclass(cls, torch.nn.Module) and cls.__module__ == module.__name__:
                original = cls.__init__

                def init(self, *args, __original=original, **kwargs):
                    __original(self, *args, **kwargs)
                    self._init_args = copy.deepcopy(args)
                    self._init_kwargs = copy.deepcopy(kwargs)
                cls.__init__ = init
                patched.append((cls, original))
    try:
        yield
    finally:
        for cls, original in patched:
            cls.__init__ = original


@contextlib.contextmanager
def _stand_in_modules():
    names = {'torch_utils': None, 'torch_utils.persistence': ('_reconstruct_persistent_obj', _reconstruct_persistent_obj),
             'dnnlib': None, 'dnnlib.util': ('EasyDict', EasyDict)}
    saved = {name: sys.modules.get(name) for name in names}
    originals = (_reconstruct_persistent_obj.__module__, EasyDict.__module__)
    try:
        for name, member in names.items():
            module = types.ModuleType(name)
            if member:
                setattr(module, member[0], member[1])
            sys.modules[name] = module
        _reconstruct_persistent_obj.__module__ = 'torch_utils.persistence'
        EasyDict.__module__ = 'dnnlib.util'
        yield
    finally:
        _reconstruct_persistent_obj.__module__, EasyDict.__module__ = originals
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


class _PersistencePickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, torch.nn.Module):
            meta = dict(type='class', version=PERSISTENCE_VERSION, module_src=MODULE_SRC,
                        class_name=type(obj).__name__, state=dict(obj.__dict__))
            return _reconstruct_persistent_obj, (meta,)
        return NotImplemented


def to_easydict(value):
    """Nested dicts -> EasyDicts, as NVIDIA's training scripts pass constructor kwargs."""
    if isinstance(value, dict):
        return EasyDict({k: to_easydict(v) for k, v in value.items()})
    return value


def write_network_pickle(path, data, protocol=pickle.DEFAULT_PROTOCOL):
    """Pickle `data` (a dict of modules and plain values) in the persistence container format."""
    with _stand_in_modules(), open(path, 'wb') as fh:
        _PersistencePickler(fh, protocol=protocol).dump(data)
