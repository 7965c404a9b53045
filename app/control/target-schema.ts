/**
 * The run-time schema of a {@link ControlTarget}, for everything that saves one (live bindings, and
 * any other record that names a control): a project file edited by hand must not hand the studio
 * a target it cannot read.
 */
import { z } from 'zod';
import type { ControlTarget } from './targets';

const index = z.number().int().nonnegative().max(1_000_000);

/** Schema of a {@link ControlTarget}. */
export const controlTargetSchema: z.ZodType<ControlTarget> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('psi') }).strict(),
  z.object({ kind: z.literal('edit'), id: z.string().min(1).max(200) }).strict(),
  z.object({ kind: z.literal('mix'), index: index.max(64) }).strict(),
  z.object({ kind: z.literal('class-blend'), classes: z.array(index).max(1000) }).strict(),
  z.object({ kind: z.literal('noise-strength') }).strict(),
  z.object({ kind: z.literal('transform'), axis: z.enum(['x', 'y', 'angle']) }).strict(),
  z.object({ kind: z.literal('path') }).strict(),
  z.object({ kind: z.literal('seed') }).strict(),
]);
