/**
 * Saving a blend of two listed models into the user library, for both hosts: the parents are read
 * from their folders, blended with app/workshop/blend.ts as an import job (progress in bytes of
 * weights, cancel between weights), written with a manifest that hashes every file, and imported
 * like any package folder, so the new model is verified the same way before it is listed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToHost } from 'node:timers/promises';
import type { ModelEntry, RequestOf } from '../../app/contract/channels';
import { slugId } from '../../app/model/plain';
import { BlendError, blendPackages, type PackageSource } from '../../app/workshop/blend';
import { OnnxFormatError } from '../../app/model/onnx';
import { sha256 } from './import-copy';
import type { ModelImporter } from './import';
import { ImportError } from './import-limits';
import { readManifest, type ModelLibrary } from './library';

async function readPackage(library: ModelLibrary, id: string, which: 'A' | 'B'): Promise<PackageSource> {
  const dir = library.packageDir(id);
  if (!dir) throw new ImportError(`model "${id}" (parent ${which}) is not in the library any more; choose another model`);
  const manifest = await readManifest(dir);
  const files = new Map<string, Uint8Array>();
  for (const file of Object.keys(manifest.files)) files.set(file, new Uint8Array(await fs.readFile(path.join(dir, file))));
  return { manifest, files };
}

/**
 * Blend models `a` and `b` with `weights` into a new library model called `name` (its id derived
 * from the name), running as import `job`. Throws {@link ImportError} with the blender's refusal.
 */
export async function saveBlend(library: ModelLibrary, importer: ModelImporter, request: RequestOf<'blendModels'>): Promise<ModelEntry> {
  const [a, b] = [await readPackage(library, request.a, 'A'), await readPackage(library, request.b, 'B')];
  const id = importer.freeId(slugId(request.name));
  return importer.importMade(request.name, request.job, async (dir, job) => {
    job.startPhase('blending', 0);
    let reported = 0;
    let blended;
    try {
      blended = await blendPackages(a, b, request.weights, { id, name: request.name }, async (done, total) => {
        if (job.progress?.total !== total) job.startPhase('blending', total);
        await job.advance(done - reported);
        reported = done;
        // Blending is CPU work: let the host answer progress and cancel requests between weights.
        await yieldToHost();
      });
    } catch (error) {
      if (error instanceof BlendError || error instanceof OnnxFormatError) throw new ImportError(`${a.manifest.name} and ${b.manifest.name} cannot be blended: ${error.message}`);
      throw error;
    }
    const files: Record<string, { sha256: string; bytes: number }> = {};
    for (const [file, bytes] of blended.files) {
      await fs.writeFile(path.join(dir, file), bytes);
      files[file] = { sha256: sha256(bytes), bytes: bytes.length };
    }
    await fs.writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify({ ...blended.manifest, files }, null, 2)}\n`);
  });
}
