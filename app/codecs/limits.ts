/**
 * How much any compressed input may expand to, stated once. Every inflate of untrusted data (PNG
 * text and image data, zip entries of model packages, .npz members, and checkpoint streams) is
 * bounded by one of these, so a small file cannot make the studio allocate gigabytes (a
 * decompression bomb). Use {@link inflateBounded} (inflate.ts) to apply them.
 */

/** Deflate expands at most 1032:1; an entry whose declared sizes claim more is corrupt or a bomb. */
export const MAX_DEFLATE_RATIO = 1032;

/** A PNG file read whole (dropped on the window or read for its provenance). */
export const MAX_PNG_FILE_BYTES = 512 * 2 ** 20;
/** One PNG text chunk (iTXt/zTXt) once inflated: a provenance record is kilobytes, a mixing grid's well under this. */
export const MAX_PNG_TEXT_BYTES = 64 * 2 ** 20;
/** A PNG's filtered rows once inflated (16384 × 16384 RGBA is 1 GiB). */
export const MAX_PNG_IMAGE_BYTES = 2 ** 30;

/** One file of a model package inside a .zip (an ONNX graph is a protobuf, which cannot exceed 2 GiB). */
export const MAX_ZIP_ENTRY_BYTES = 2 ** 31 - 1;

/** All `.npy` members of one `.npz` together, once inflated (directions and style weights are megabytes). */
export const MAX_NPZ_INFLATED_BYTES = 2 ** 30;

/**
 * Values of one explicit latent (a projected_w.npz, a stored ws or z): 2²⁰ float32 is 4 MiB, far
 * above any real model's num_ws × w_dim (18 × 512 at 1024 px) yet small enough for undo and records.
 */
export const MAX_LATENT_VALUES = 2 ** 20;

/** The largest checkpoint file read (a pickle, a torch.save file, a zip of a model folder): 8 GiB. */
export const MAX_CHECKPOINT_BYTES = 8 * 2 ** 30;
/** One stream of a checkpoint (a pickle, or a member of a PyTorch zip) once inflated. */
export const MAX_CHECKPOINT_STREAM_BYTES = 2 ** 31 - 1;
/** All streams of one checkpoint together, once inflated (a 1024² StyleGAN is about 0.4 GiB). */
export const MAX_CHECKPOINT_INFLATED_BYTES = 8 * 2 ** 30;

/** `bytes` for a message: MiB below a GiB, else GiB with one decimal. */
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
