import { RunlensError } from '../errors.js';

/** The RunlensError `promise` rejects with; anything else (or success) fails the test. */
export async function failureOf(promise: Promise<unknown>): Promise<RunlensError> {
  try {
    await promise;
  } catch (e) {
    if (RunlensError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}
