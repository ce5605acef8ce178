import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, parseDuration, parseGrowthRate, parsePercent, parseSize } from '../core/units.js';
import { UsageError } from '../core/usage-error.js';

describe('units', () => {
  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('250ms')).toBe(0.25);
    expect(parseDuration('12')).toBe(12);
    expect(() => parseDuration('5 minutes')).toThrow(UsageError);
    expect(() => parseDuration('s')).toThrow(/--duration/);
  });
  it('parses sizes and rates', () => {
    expect(parseSize('4GB')).toBe(4e9);
    expect(parseSize('1GiB')).toBe(2 ** 30);
    expect(parseSize('64')).toBe(64);
    expect(() => parseSize('4XB', 'heap-limit')).toThrow(/--heap-limit/);
    expect(parseGrowthRate('10MB/h')).toBeCloseTo(1e7 / 3600);
    expect(parseGrowthRate('1KB/s')).toBe(1000);
    expect(parseGrowthRate('60KB/2m')).toBe(500);
    expect(() => parseGrowthRate('10MB')).toThrow(UsageError);
    expect(parsePercent('20%')).toBeCloseTo(0.2);
    expect(() => parsePercent('abc')).toThrow(UsageError);
  });
  it('formats', () => {
    expect(formatBytes(4_345_298_944)).toBe('4.3 GB');
    expect(formatBytes(812)).toBe('812 B');
    expect(formatDuration(5040)).toBe('1.4 h');
    expect(formatDuration(Infinity)).toBe('never');
  });
});
