/**
 * Every number the growth-root verdicts depend on, in one place, each with what it guards.
 * (The noise floor's own constants are in `noise-floor.ts`, the legacy owner-level rules for
 * summaries without growth roots in `verdicts.ts`.)
 */
export const THRESHOLDS = {
  /**
   * Lifecycle entries (handles, timers, listeners, pending promises) make a leak from this share of
   * a root's new entries, by count or by bytes. Guards against calling a store a leak because a few
   * of its records carry a timer or an emitter; a tracker of requests has nearly all its entries of
   * these kinds (client-set-leak: 100% of entries by bytes), a cache of records none.
   */
  lifecycleEntryShare: 0.3,
  /**
   * Closures (or settled promises, or class instances) decide the verdict from this share of the
   * new entries: below it they are incidental (a record with a callback field).
   */
  closureEntryShare: 0.5,
  /** Values from this share of the new entry bytes, with few entries, make a store of samples growing in place. */
  valueEntryShare: 0.5,
  /** Entries per attach point up to which growth is "in place" (an array reallocated larger, not entries added). */
  inPlaceEntries: 8,
  /**
   * Share of a root's growth (after the second snapshot) that must already have been alive one
   * snapshot earlier: work in flight when a snapshot is taken is always young, a leak's objects age.
   * A straight-line leak has (n-2)/(n-1) of its growth aged; this asks for a quarter of that.
   */
  agedGrowthShare: 0.25,
} as const;
