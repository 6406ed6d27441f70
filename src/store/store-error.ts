/** The one error a store throws: a sentence an operator can act on, and a code a caller can branch on. */
export type StoreErrorCode = 'corrupt' | 'read-only' | 'locked' | 'disk-full' | 'cannot-open' | 'too-new';

export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: StoreErrorCode,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
