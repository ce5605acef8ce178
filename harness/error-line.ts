/**
 * Which line of a target's output says why it failed: `Error: ...`, `TypeError [ERR_X]: ...`,
 * `RangeError: ...`, `Uncaught Error: ...`; not stack frames, not Node's closing `Node.js v20...`.
 */
export function isErrorLine(line: string): boolean {
  return /^(Uncaught )?([A-Z]\w*)?(Error|Exception)\b.*:/.test(line);
}
