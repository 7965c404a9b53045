/** The fixture package's manifest as raw JSON, and the field a refused manifest names: for manifest tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { ManifestError, parseManifest } from '../app/model/manifest';

/** A fresh copy of models/fixtures/stylegan-tiny/manifest.json, unvalidated, for tests to change. */
export function fixtureManifestJson(): Record<string, any> {
  return JSON.parse(readFileSync(path.resolve(__dirname, '../models/fixtures/stylegan-tiny/manifest.json'), 'utf8')) as Record<string, any>;
}

/** The `field` of the ManifestError that `input` is refused with; fails the test if it is accepted or refused otherwise. */
export function refusedField(input: unknown): string {
  try {
    parseManifest(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).field;
  }
  throw new Error('expected parseManifest to throw');
}
