/**
 * Out-of-memory projection: how long until the heap limit, at the run's rate and at rates the user
 * names, if the growing owners keep growing as measured. Starts from the last snapshot's heap size
 * and adds only the growth of unbounded findings (leaks and accumulations): a bounded owner has
 * levelled off and the rest of the heap did not grow beyond noise.
 */
import type { Projection } from '../core/report-schema.js';
import { formatBytes, formatCount, formatDuration } from '../core/units.js';

export interface GrowingOwner {
  owner: string;
  /** Null when the run had no request counts: then only bytesPerSecond at the run's own rate applies. */
  bytesPerRequest: number | null;
  bytesPerSecond: number;
}

export interface ProjectionInput {
  lastTotalBytes: number;
  heapLimitBytes: number | null;
  runRps: number | null;
  projectRps: number[];
  horizonS: number;
  growing: GrowingOwner[];
}

/** Bytes per second the growing owners add at `rps`; `rps` null means "at the run's own rate". */
function growthRate(growing: GrowingOwner[], rps: number | null): number | null {
  if (growing.length === 0) return 0;
  if (rps === null) return growing.reduce((s, g) => s + Math.max(0, g.bytesPerSecond), 0);
  if (growing.some((g) => g.bytesPerRequest === null)) return null;
  return growing.reduce((s, g) => s + Math.max(0, g.bytesPerRequest!) * rps, 0);
}

/** Seconds to the limit, without the horizon cut (Infinity when nothing grows). */
function secondsUntil(remaining: number, rate: number | null): number | null {
  if (rate === null) return null;
  if (remaining <= 0) return 0;
  return rate > 0 ? remaining / rate : Infinity;
}

function within(seconds: number | null, horizonS: number): number | null {
  return seconds === null || !Number.isFinite(seconds) || seconds > horizonS ? null : seconds;
}

function who(growing: GrowingOwner[]): string {
  if (growing.length === 1) return `${growing[0].owner} alone`;
  const names = growing.slice(0, 3).map((g) => g.owner);
  const more = growing.length > 3 ? ` and ${growing.length - 3} more` : '';
  return `${names.join(', ')}${more} together`;
}

function sentence(rps: number | null, seconds: number | null, input: ProjectionInput, limit: number): string {
  const at = rps === null ? 'at the observed rate' : `at ${formatCount(rps)}/s`;
  const subject = who(input.growing);
  if (seconds === null) return `${at} the heap limit cannot be projected (no request counts for that rate)`;
  if (seconds === 0) return `${at} the heap is already at or above the ${formatBytes(limit)} limit`;
  if (!Number.isFinite(seconds)) return `${at} ${subject} would not grow`;
  const verb = input.growing.length === 1 ? 'reaches' : 'reach';
  const beyond = seconds > input.horizonS ? ` (beyond the ${formatDuration(input.horizonS)} horizon)` : '';
  return `${at} ${subject} ${verb} the ${formatBytes(limit)} heap limit in ${formatDuration(seconds)}${beyond}`;
}

export function projectOutOfMemory(input: ProjectionInput): Projection {
  const { heapLimitBytes: limit, runRps, projectRps, horizonS, growing } = input;
  if (limit === null) {
    return {
      heapLimitBytes: null,
      atRps: runRps,
      secondsToLimit: null,
      atOtherRates: projectRps.map((rps) => ({ rps, secondsToLimit: null })),
      text: 'no heap limit known: out-of-memory time not projected',
    };
  }
  if (growing.length === 0) {
    return {
      heapLimitBytes: limit,
      atRps: runRps,
      secondsToLimit: null,
      atOtherRates: projectRps.map((rps) => ({ rps, secondsToLimit: null })),
      text: `nothing grows without bound: the heap is not projected to reach the ${formatBytes(limit)} limit`,
    };
  }
  const remaining = limit - input.lastTotalBytes;
  // The run's own rate: bytes/request × rps when both are known, else the measured bytes/s.
  const runSeconds = secondsUntil(remaining, growthRate(growing, runRps) ?? growthRate(growing, null));
  const others = projectRps.map((rps) => ({ rps, seconds: secondsUntil(remaining, growthRate(growing, rps)) }));
  const parts = [sentence(runRps, runSeconds, input, limit), ...others.map((o) => sentence(o.rps, o.seconds, input, limit))];
  return {
    heapLimitBytes: limit,
    atRps: runRps,
    secondsToLimit: within(runSeconds, horizonS),
    atOtherRates: others.map((o) => ({ rps: o.rps, secondsToLimit: within(o.seconds, horizonS) })),
    text: parts.join('; '),
  };
}
