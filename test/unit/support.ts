import { DomainError, type Result } from '../../src/domain/errors.js';

/** The code of the DomainError that `fn` throws, or undefined when it returns normally. */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

/** The value of an ok result; fails the test with the error's message otherwise. */
export function valueOf<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** The error of a refused result; fails the test when the result is ok. */
export function errorOf<T>(result: Result<T>): DomainError {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  return result.error;
}
