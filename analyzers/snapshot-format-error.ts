/**
 * The one error a corrupt, truncated or mis-shaped `.heapsnapshot` produces.
 *
 * The CLI turns it into a one-line message and exit code 2, so the message must stand alone:
 * `<file>: <what is wrong> at byte <offset>`. `offset` is null only when no single byte is to blame
 * (an unreadable file, say); callers that want to point at the spot use the field, not the text.
 */
export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
  readonly file: string;
  readonly offset: number | null;
  /** What is wrong, without the file name and offset (for callers that format their own line). */
  readonly problem: string;

  constructor(file: string, problem: string, offset: number | null) {
    super(offset === null ? `${file}: ${problem}` : `${file}: ${problem} at byte ${offset}`);
    this.file = file;
    this.problem = problem;
    this.offset = offset;
  }
}
