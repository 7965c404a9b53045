/**
 * What the importer tests ask of a refusal: the import fails with an ImportError (the error the
 * user sees), never a stray exception. One helper for the importer's, the guards' and the
 * checkpoint imports' tests.
 */
import { expect } from 'vitest';
import { ImportError } from '../main/services/import-limits';

/** Await `run`, expect it to be refused with an {@link ImportError}, and return the message. */
export async function refusal(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    return (error as Error).message;
  }
  throw new Error('expected the import to be refused');
}
