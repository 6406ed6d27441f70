import { AppError } from '../errors.js';
/** The one error a store throws: a sentence an operator can act on, and a code a caller can branch on. */
export type StoreErrorCode = 'corrupt' | 'read-only' | 'locked' | 'disk-full' | 'cannot-open' | 'too-new';

export class StoreError extends AppError {
  constructor(
    message: string,
    override readonly code: StoreErrorCode,
  ) {
    super(message, code, 'operator');
    this.name = 'StoreError';
  }
}
