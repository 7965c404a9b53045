/**
 * HuggingFace pytorch-pretrained-BigGAN folders (`biggan-deep-256/`: `config.json` +
 * `pytorch_model.bin`) read without Python: the config as parsed JSON and the state dict, a
 * `torch.save` of an OrderedDict of tensors in either format (older files legacy, newer ones zip),
 * as a {@link NetworkSnapshot}. The tensors are handed over as stored (`weight_orig`, `weight_u`,
 * `weight_v`, the batch norms' per-truncation rows); the BigGAN converter folds spectral norm.
 */
import { strFromU8 } from 'fflate';
import { describe, mergeGlobals, PYTHON_GLOBALS, type PickleValue } from './pickle';
import { CheckpointError, type NetworkSnapshot, type StoredTensor } from './snapshot';
import { looksLikeLegacyTorchSave, readLegacyTorchSave } from './torch-legacy';
import { TENSOR_GLOBALS, TorchTensor } from './torch-tensor';
import { readZipTorchSave } from './torch-zip';
import { looksLikeZip } from './zip-entries';

const FALLBACK = 'models/tools/export_biggan.py --checkpoint <folder> (Python) is the fallback';

/** What a `torch.save` of a state dict may call: tensor rebuilding, OrderedDict, nothing more. */
export const STATE_DICT_GLOBALS = mergeGlobals(PYTHON_GLOBALS, TENSOR_GLOBALS);

/**
 * A `torch.save` file (zip or legacy) holding a state dict → tensors by name, float32. Throws
 * {@link CheckpointError} when it is neither format or holds something else.
 */
export function readTorchStateDict(bytes: Uint8Array, what = 'pytorch_model.bin'): Map<string, StoredTensor> {
  let value: PickleValue;
  if (looksLikeZip(bytes)) value = readZipTorchSave(bytes, STATE_DICT_GLOBALS, what);
  else if (looksLikeLegacyTorchSave(bytes)) value = readLegacyTorchSave(bytes, STATE_DICT_GLOBALS, what).value;
  else throw new CheckpointError(`${what} is not a torch.save file (neither the zip nor the legacy format)`);
  if (!(value instanceof Map)) throw new CheckpointError(`${what} holds a ${describe(value)}, not a state dict of tensors`);
  const tensors = new Map<string, StoredTensor>();
  for (const [key, tensor] of value) {
    if (typeof key !== 'string' || !(tensor instanceof TorchTensor)) {
      throw new CheckpointError(`${what} holds ${String(key)}: a ${describe(tensor)}, where a state dict holds only tensors`);
    }
    tensors.set(key, { shape: tensor.shape, dtype: tensor.dtype, data: tensor.values() });
  }
  return tensors;
}

/** A BigGAN folder read: its config.json and its state dict as a snapshot. */
export interface BigGanFolder {
  /** config.json as parsed (the BigGAN converter validates it). */
  readonly config: unknown;
  readonly snapshot: NetworkSnapshot;
}

/**
 * Read a pytorch-pretrained-BigGAN folder's `config.json` and `pytorch_model.bin`. Throws
 * {@link CheckpointError} when either cannot be read.
 */
export function readBigGanFolder(configJson: Uint8Array, weights: Uint8Array): BigGanFolder {
  let config: unknown;
  try {
    config = JSON.parse(strFromU8(configJson));
  } catch (error) {
    throw new CheckpointError(`config.json is not valid JSON (${(error as Error).message}); ${FALLBACK}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new CheckpointError(`config.json holds a ${Array.isArray(config) ? 'list' : typeof config}, not a BigGAN config object; ${FALLBACK}`);
  }
  const tensors = readTorchStateDict(weights);
  return {
    config,
    snapshot: {
      className: 'BigGAN',
      moduleName: 'pytorch_pretrained_biggan.model',
      initArgs: [config],
      initKwargs: {},
      tensors,
      modules: new Map([['', { path: '', className: 'BigGAN', attributes: {} }]]),
    },
  };
}
