/**
 * An error the user can fix (bad flag, unreadable file, target that will not start): printed as one
 * line, exit code 2, never a stack trace.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
