// Option values that need @runlens/core to be understood (times); checked before any provider call.
import { invalidInput, parseTime, RunlensError } from '@runlens/core';

/** `--since 2h` → epoch ms; a bad value names its flag. */
export function timeOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseTime(text);
  } catch (error) {
    throw invalidInput(`${flag}: ${RunlensError.isInstance(error) ? error.message : String(error)}`);
  }
}

/** The given list, or undefined when empty (so core applies no filter). */
export function listOption<T>(values: readonly T[] | undefined): readonly T[] | undefined {
  return values && values.length > 0 ? values : undefined;
}
