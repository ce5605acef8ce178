/**
 * Decode the bytes between a JSON string's quotes into a JS string, one string at a time.
 *
 * Most heap-snapshot strings are plain ASCII with no escapes: those become a string with one native
 * slice (latin1 is the cheapest decoder and exact for bytes below 0x80). Raw UTF-8 without escapes
 * is one native UTF-8 slice. Only strings with escapes take the byte loop; V8 escapes every
 * non-ASCII character as \uXXXX, so surrogate pairs arrive as two escapes, and concatenating the two
 * UTF-16 code units rebuilds the character exactly as JSON.parse does (a lone surrogate stays lone).
 */

/** What is wrong with a string's bytes, and the index in `bytes` where. */
export class JsonStringError extends Error {
  constructor(
    readonly problem: string,
    readonly byteIndex: number,
  ) {
    super(problem);
  }
}

/** Throws JsonStringError for a bad escape or a string too long for V8. */
export function decodeJsonString(bytes: Buffer, start: number, end: number, hasEscape: boolean, hasNonAscii: boolean): string {
  const encoding = hasNonAscii ? 'utf8' : 'latin1';
  if (!hasEscape) return slice(bytes, encoding, start, end);
  let out = '';
  let runStart = start;
  let i = start;
  while (i < end) {
    if (bytes[i] !== 0x5c) {
      i++;
      continue;
    }
    if (i > runStart) out += slice(bytes, encoding, runStart, i);
    const escapeAt = i;
    const kind = i + 1 < end ? bytes[i + 1] : -1;
    i += 2;
    switch (kind) {
      case 0x22: out += '"'; break;
      case 0x5c: out += '\\'; break;
      case 0x2f: out += '/'; break;
      case 0x62: out += '\b'; break;
      case 0x66: out += '\f'; break;
      case 0x6e: out += '\n'; break;
      case 0x72: out += '\r'; break;
      case 0x74: out += '\t'; break;
      case 0x75: {
        const unit = i + 4 <= end ? hex4(bytes, i) : -1;
        if (unit < 0) throw new JsonStringError('invalid \\u escape in string', escapeAt);
        out += String.fromCharCode(unit);
        i += 4;
        break;
      }
      default:
        throw new JsonStringError('invalid escape in string', escapeAt);
    }
    runStart = i;
  }
  if (end > runStart) out += slice(bytes, encoding, runStart, end);
  return out;
}

/**
 * Buffer's own per-encoding slicers: `toString(encoding, ...)` normalises the encoding name and
 * checks its arguments on every call, which shows up at millions of short strings.
 */
interface BufferSlicers {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

function slice(bytes: Buffer, encoding: 'utf8' | 'latin1', start: number, end: number): string {
  const slicers = bytes as unknown as BufferSlicers;
  try {
    return encoding === 'latin1' ? slicers.latin1Slice(start, end) : slicers.utf8Slice(start, end);
  } catch {
    // Only a string past V8's maximum length (~512 MB) gets here.
    throw new JsonStringError(`string of ${end - start} bytes is longer than a JS string can be`, start);
  }
}

/** The value of four hex digits at `at`, or -1 if any is not a hex digit. */
function hex4(bytes: Buffer, at: number): number {
  let value = 0;
  for (let k = 0; k < 4; k++) {
    const c = bytes[at + k];
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) digit = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) digit = c - 0x37;
    else return -1;
    value = (value << 4) | digit;
  }
  return value;
}
