/**
 * The size limits of checkpoint reading, in one place (until the shared `app/formats/limits.ts`
 * of the hardening work lands and these move there). Real checkpoints are far below them: a
 * 1024-px StyleGAN3 pickle is ~400 MB, BigGAN-deep 512 ~ 230 MB.
 */

/** The largest checkpoint file read (a pickle, a torch.save file, a zip of a model folder): 8 GiB. */
export const MAX_CHECKPOINT_BYTES = 8 * 2 ** 30;

/** The most bytes one deflated zip entry may inflate to: 4 GiB. */
export const MAX_INFLATED_BYTES = 4 * 2 ** 30;

/** Deflate expands at most 1032:1; an entry claiming more is corrupt or a zip bomb. */
export const MAX_DEFLATE_RATIO = 1032;
