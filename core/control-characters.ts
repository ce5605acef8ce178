/**
 * Names, paths and messages shown to a person come from the target's heap and output. A class named
 * with an escape sequence must not be able to recolour, clear or retitle the user's terminal, so
 * control characters are shown (`\x1b`), not sent.
 */
export function safe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
