/**
 * The one error type: a message meant to be shown as it is (one line), a code a caller can branch
 * on, and who it is for: `user` (bad input: say so and carry on), `operator` (the set-up is wrong:
 * say what to fix and stop), `bug` (ours). The CLI and start-up map these to exit codes; nobody
 * keeps a list of error classes.
 */
export type Audience = 'user' | 'operator' | 'bug';

export class AppError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly audience: Audience,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
