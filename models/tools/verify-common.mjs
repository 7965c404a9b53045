// What check_onnx.mjs (StyleGAN packages) and biggan/check_conditional.mjs (conditional packages)
// share when they compare onnxruntime-web's outputs with an exporter's float64 reference: the
// error measure (NaN never passes), the dims check, and the list of failures that sets the exit status.

/** Whether two dims lists are equal (ONNX dims may arrive as bigint or number). */
export const sameDims = (a, b) => a.length === b.length && a.every((d, i) => Number(d) === Number(b[i]));

/** max |expected - actual[offset..]|; NaN when any difference is NaN (a NaN output never passes). */
export function maxAbsDiff(expected, actual, offset = 0) {
  let err = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(expected[i] - actual[offset + i]);
    if (Number.isNaN(d)) return NaN;
    err = Math.max(err, d);
  }
  return err;
}

/** The failures of one run, printed as they are found. */
export const failures = [];

/** Record (and print) a failure. */
export const fail = (message) => {
  failures.push(message);
  console.log(`FAIL ${message}`);
};
