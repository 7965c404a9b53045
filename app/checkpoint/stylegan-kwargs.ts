/**
 * The constructor arguments of a stored NVIDIA StyleGAN Generator, read as
 * `models/tools/stylegan/nvidia_pickle.py` reads them: StyleGAN2 and StyleGAN3 Generators take the
 * same six leading arguments, which a pickle may record positionally, so both converters name
 * them here before reading their own family's keywords.
 */
import type { NetworkSnapshot } from './snapshot';
import type { MappingSpec } from './stylegan-mapping';

/** The Generator's positional constructor arguments, in order (both families). */
export const GENERATOR_POSITIONAL = ['z_dim', 'c_dim', 'w_dim', 'img_resolution', 'img_channels', 'mapping_kwargs'] as const;

/** Whether a constructor argument is a dict (a plain object as the pickle reader gives one). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The Generator's keyword arguments with the positional ones named (nvidia_pickle._generator_kwargs);
 * a keyword wins over a positional value. Refuses more than six positional arguments and a
 * Generator that records no z_dim, c_dim, w_dim, img_resolution or img_channels.
 * @param refuse makes the error for a finding, in the caller's words (which network, which fallback)
 */
export function generatorKwargs(snapshot: NetworkSnapshot, refuse: (finding: string) => Error): Record<string, unknown> {
  const kwargs: Record<string, unknown> = { ...snapshot.initKwargs };
  snapshot.initArgs.forEach((value, i) => {
    const name = GENERATOR_POSITIONAL[i];
    if (name === undefined) {
      throw refuse(`the Generator was constructed with ${snapshot.initArgs.length} positional arguments; a StyleGAN Generator takes at most ${GENERATOR_POSITIONAL.length} (${GENERATOR_POSITIONAL.join(', ')})`);
    }
    if (!(name in kwargs)) kwargs[name] = value;
  });
  const missing = GENERATOR_POSITIONAL.slice(0, 5).filter((k) => !(k in kwargs));
  if (missing.length > 0) throw refuse(`G_ema records no ${missing.join(', ')} among its constructor arguments`);
  return kwargs;
}

/** What the leading constructor arguments fix in either family: the inputs, the output and the ws rows. */
export interface GeneratorDims {
  readonly zDim: number;
  readonly cDim: number;
  readonly wDim: number;
  readonly resolution: number;
  readonly imgChannels: number;
  readonly numWs: number;
  readonly mapping: MappingSpec;
}
