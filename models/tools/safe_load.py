"""torch.load without running code from the file: the loader for every torch.save file the model
tools read (train_*.py checkpoints, huggingface pytorch_model.bin).

Plain torch.load is a full unpickler, so a crafted checkpoint runs whatever its REDUCE opcodes name
(os.system, builtins.eval, ...). torch 1.13's own `weights_only=True` cannot replace it here: its
unpickler lacks the BINFLOAT opcode, so it refuses any checkpoint holding a float (every
train_*.py checkpoint does). Nor can torch.load's `pickle_module` argument: torch 1.13 replaces it
with the standard pickle unless weights_only is set. So this module hands torch's own readers of
the two container formats (zip: `_load`, legacy: `_legacy_load`, private but unchanged in
signature from 1.13 to 2.x) a pickle module whose Unpickler resolves only an allow-list of globals
(containers, tensor rebuilders, dtypes, numpy arrays for RNG states) and refuses anything else with
a message naming it; torch still maps the storages.
"""
import collections
import pickle
import types

import numpy as np
import torch
from torch import serialization


class UnsafeCheckpointError(ValueError):
    """The file references a global a weights file never needs; the message names it."""


class CheckpointFormatError(ValueError):
    """The file is not a torch.save file this loader can read; the message says why."""


def _numpy_core(name):
    # numpy 2 renamed numpy.core to numpy._core; resolve whichever this numpy has.
    core = getattr(np, '_core', None) or np.core
    return getattr(core.multiarray, name)


def _latin1_bytes(text, encoding='latin1'):
    # Protocol-2 pickles (torch.save's default) spell bytes as _codecs.encode(str, 'latin1'):
    # allowed for that one encoding, the only use a weights file has for it.
    if not isinstance(text, str) or encoding not in ('latin1', 'latin-1'):
        raise UnsafeCheckpointError(f'it calls _codecs.encode with {type(text).__name__}, {encoding!r}')
    return text.encode('latin1')


_ALLOWED = {
    ('_codecs', 'encode'): lambda: _latin1_bytes,
    ('collections', 'OrderedDict'): lambda: collections.OrderedDict,
    ('builtins', 'set'): lambda: set,
    ('torch._utils', '_rebuild_tensor_v2'): lambda: torch._utils._rebuild_tensor_v2,
    ('torch._utils', '_rebuild_parameter'): lambda: torch._utils._rebuild_parameter,
    ('torch', 'Size'): lambda: torch.Size,
    ('numpy', 'dtype'): lambda: np.dtype,
    ('numpy', 'ndarray'): lambda: np.ndarray,
    ('numpy.core.multiarray', '_reconstruct'): lambda: _numpy_core('_reconstruct'),
    ('numpy._core.multiarray', '_reconstruct'): lambda: _numpy_core('_reconstruct'),
    ('numpy.core.multiarray', 'scalar'): lambda: _numpy_core('scalar'),
    ('numpy._core.multiarray', 'scalar'): lambda: _numpy_core('scalar'),
}
_TORCH_DTYPES = {'float32', 'float16', 'float64', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'}


class _RestrictedUnpickler(pickle.Unpickler):
    """torch.load wraps this class and answers `*Storage` names itself; every other global comes here."""

    def find_class(self, module, name):
        factory = _ALLOWED.get((module, name))
        if factory is not None:
            return factory()
        if module == 'torch' and name in _TORCH_DTYPES:
            return getattr(torch, name)
        hint = (' It looks like an NVIDIA network pickle: convert it with export_stylegan.py --pickle.'
                if module.split('.')[0] in ('torch_utils', 'dnnlib') else '')
        raise UnsafeCheckpointError(f'it references {module}.{name}, which a weights file never needs, so it '
                                    f'is refused unread (no code from checkpoints is run). Use a train_*.py checkpoint or a '
                                    f'torch.save of a state dict.{hint}')


def _restricted_load(file, **kwargs):
    return _RestrictedUnpickler(file, **kwargs).load()


# What torch's readers use of a pickle module: `Unpickler` for the data, `load` for the legacy header.
_PICKLE_MODULE = types.ModuleType('latent_studio_restricted_pickle')
_PICKLE_MODULE.Unpickler = _RestrictedUnpickler
_PICKLE_MODULE.load = _restricted_load


def load_torch_file(path):
    """torch.load(path) onto the CPU with only the allow-listed globals. A refused or unreadable
    file raises UnsafeCheckpointError / CheckpointFormatError with `path` in the message."""
    try:
        with open(path, 'rb') as fh:
            if serialization._is_zipfile(fh):
                with serialization._open_zipfile_reader(fh) as archive:
                    return serialization._load(archive, 'cpu', _PICKLE_MODULE, encoding='utf-8')
            return serialization._legacy_load(fh, 'cpu', _PICKLE_MODULE, encoding='utf-8')
    except UnsafeCheckpointError as error:
        raise UnsafeCheckpointError(f'{path}: {error}') from None
    except (pickle.UnpicklingError, EOFError, RuntimeError, KeyError, IndexError, ValueError, TypeError) as error:
        raise CheckpointFormatError(f'{path} is not a readable torch.save file ({type(error).__name__}: '
                                    f'{str(error).splitlines()[0] if str(error) else "no detail"})') from error
