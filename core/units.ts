/**
 * Units on the command line: durations (`90s`, `5m`, `2h`, `1h30m`), sizes (`512MB`, `4GB`, `1.5GiB`),
 * growth rates (`10MB/h`), percentages (`20%`). Parsers throw UsageError naming the flag; formatters
 * are what every report prints.
 */
import { UsageError } from './usage-error.js';

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds in a duration such as `90s`, `5m`, `2h`, `1h30m`, `250ms`; a bare number is seconds. */
export function parseDuration(text: string | number, flag = 'duration'): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0) return text;
    throw new UsageError(`--${flag}: expected a duration such as 90s, 5m or 2h, got ${text}`);
  }
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new UsageError(`--${flag}: expected a duration such as 90s, 5m or 2h, got "${text}"`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * DURATION_UNITS[p[2]], 0);
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Bytes in a size such as `512MB`, `4GB`, `1.5GiB`, `64` (bytes). */
export function parseSize(text: string | number, flag = 'size'): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0) return text;
    throw new UsageError(`--${flag}: expected a size such as 512MB or 4GB, got ${text}`);
  }
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? (m[2] || 'b').toLowerCase() : '';
  if (!m || !(unit in SIZE_UNITS)) {
    throw new UsageError(`--${flag}: expected a size such as 512MB or 4GB, got "${text}"`);
  }
  return Number(m[1]) * SIZE_UNITS[unit];
}

/** Bytes per second in a growth rate such as `10MB/h` or `500KB/s`. */
export function parseGrowthRate(text: string, flag = 'max-growth'): number {
  const slash = text.lastIndexOf('/');
  if (slash < 0) throw new UsageError(`--${flag}: expected a rate such as 10MB/h, got "${text}"`);
  const bytes = parseSize(text.slice(0, slash), flag);
  const per = text.slice(slash + 1).trim();
  const seconds = parseDuration(/^\d/.test(per) ? per : `1${per}`, flag);
  if (seconds <= 0) throw new UsageError(`--${flag}: the period must be longer than zero, got "${text}"`);
  return bytes / seconds;
}

/** A fraction from `20%` or `0.2`. */
export function parsePercent(text: string | number, flag = 'tolerance'): number {
  const s = String(text).trim();
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(s);
  if (!m) throw new UsageError(`--${flag}: expected a percentage such as 20%, got "${text}"`);
  return m[2] ? Number(m[1]) / 100 : Number(m[1]);
}

/**
 * A number given on the command line. Flags are declared as strings in yargs so that the message can
 * quote what was typed (`--rps abc` would otherwise arrive as NaN, and the error would say "got NaN").
 */
function parseNumber(text: string | number): number {
  if (typeof text === 'number') return text;
  const trimmed = text.trim();
  // Number('') is 0 and Number('0x10') is 16: neither is what a person means by a rate or a count.
  return /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(trimmed) ? Number(trimmed) : Number.NaN;
}

function quoted(text: string | number): string {
  return typeof text === 'number' ? (Number.isNaN(text) ? 'something that is not a number' : String(text)) : `"${text}"`;
}

/** A rate above zero, such as `--rps 1000` or `--rps 0.5`. */
export function parseRate(text: string | number, flag = 'rps'): number {
  const n = parseNumber(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--${flag}: expected a rate above 0 such as 1000, got ${quoted(text)}`);
  return n;
}

/** A whole number of at least `min`, such as `--vus 100` or `--keep-snapshots 0`. */
export function parseWholeNumber(text: string | number, flag: string, min: number): number {
  const n = parseNumber(text);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`--${flag}: expected a whole number of at least ${min}, got ${quoted(text)}`);
  }
  return n;
}

/** `1.5 MB`, `812 B`, `4.0 GB` (decimal units, as heap limits are usually quoted). */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  let n = Math.abs(bytes);
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${sign}${i === 0 ? n.toFixed(0) : n.toFixed(n >= 100 ? 0 : 1)} ${units[i]}`;
}

/** `45 s`, `12 min`, `1.4 h`, `3.2 days`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'never';
  if (seconds < 90) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(0)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/** `100,000` */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `n` rounded to `digits` decimal places (figures in run.json and the timeline). */
export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
