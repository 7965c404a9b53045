/**
 * Staging a single .onnx (family `plain`): reading its graph, refusing external weights, and
 * detecting the z → image interface the user then confirms. Errors of the model readers become
 * import refusals with the same message.
 */
import { OnnxFormatError, readOnnxInfo, type OnnxInfo } from '../../app/model/onnx';
import { detectPlainGenerator, PlainModelError, type PlainDetection } from '../../app/model/plain';
import { ImportError } from './import-limits';

/** readOnnxInfo, refusing external weights (the studio streams one file per graph). */
export function readGraph(bytes: Uint8Array, name: string): OnnxInfo {
  let info: OnnxInfo;
  try {
    info = readOnnxInfo(bytes, name);
  } catch (error) {
    if (!(error instanceof OnnxFormatError)) throw error;
    throw new ImportError(error.message);
  }
  if (info.externalFiles.length > 0) {
    throw new ImportError(
      `${name} keeps its weights in separate files (${info.externalFiles.join(', ')}), which the studio cannot stream; re-export it with the weights inside the .onnx`,
    );
  }
  return info;
}

/** detectPlainGenerator, its refusals as import errors. */
export function detectOrRefuse(info: OnnxInfo, name: string): PlainDetection {
  try {
    return detectPlainGenerator(info, name);
  } catch (error) {
    if (!(error instanceof PlainModelError)) throw error;
    throw new ImportError(error.message);
  }
}
