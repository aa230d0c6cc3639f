// The local provider's settings and per-run handle (contract v2). Cheap to import: the CLI reads the
// definition for its help.
import * as z from 'zod/mini';

export const localSettingsSchema = z.strictObject({
  /** Directories `runlens runs` searches (RUNLENS_LOCAL_ROOT); default: the working directory. */
  roots: z.optional(z.array(z.string().check(z.minLength(1)))),
});

export type LocalSettings = z.infer<typeof localSettingsSchema>;

/** What the adapter keeps per run: the archive's absolute directory. */
export interface LocalHandle {
  readonly dir: string;
}
