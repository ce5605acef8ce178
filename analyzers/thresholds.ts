/**
 * Every number the growth analysis decides with, in one place, each with what it guards and what
 * supports it. "Fixtures" are the targets in fixtures/ (run by test/fixture-verdicts.test.ts);
 * "corpus" is bench/corpus (real npm libraries with documented memory problems, `npm run
 * bench:corpus`). Constants of the parser and of display (how many rows, path lengths) are not
 * decisions and stay where they are used.
 */

/** The noise floor (`noise-floor.ts`): how much growth can mean nothing. */
export const NOISE = {
  /**
   * Below this first-to-last growth nothing is reported, whatever the heap size. Guards against
   * lazily compiled code, string-table and compilation-cache entries, pooled buffers and work in
   * flight, which move a quiet process's owners by tens of KB between snapshots (garbage-churn,
   * noop-iteration, streaming-histogram: no owner above 40 KB).
   */
  minGrowthBytes: 64 * 1024,
  /** Share of the median heap the growth must also reach: absolute noise grows with the heap. */
  heapShare: 0.002,
  /** Least r² of the straight-line fit for growth that does not level off. */
  minR2: 0.8,
  /** A looser fit when cohorts show the growth's objects were born after the first snapshot and live on. */
  minR2WithSurvivors: 0.6,
  /** New objects from which growth is "made of many objects" rather than an array growing in place. */
  manyNewObjects: 100,
  /**
   * Share of the growth that steady growth would have put in aged cohorts (born before the last
   * interval) that must be there: work in flight at snapshot time is always young, a leak's
   * objects age. A straight-line leak has (n-2)/(n-1) of its growth aged; this asks for a quarter.
   */
  agedSurvivorShare: 0.25,
} as const;

/** The turnover test (`growth-model.ts`): a flat object count while many objects are born is a cap at work. */
export const TURNOVER = {
  /** Births per interval from which a flat object count means replacement rather than stillness. */
  minBorn: 100,
  /** ... and as a share of the objects held. */
  minShare: 0.1,
} as const;

/** Verdicts of growth roots (`root-verdicts.ts`, `root-findings.ts`). */
export const ROOT_VERDICT = {
  /**
   * Lifecycle entries (handles, timers, listeners, pending promises) make a leak from this share of
   * a root's new entries, by count or by bytes. Guards against calling a store a leak because a few
   * of its records carry a timer or an emitter; a tracker of requests has nearly all its entries of
   * these kinds (client-set-leak: 99% by count), a cache of records none (settled-promise-cache: 0%).
   */
  lifecycleEntryShare: 0.3,
  /**
   * Closures (or settled promises, or class instances) decide the verdict from this share of the
   * new entries: below it they are incidental (a record with a callback field). memoize-closure and
   * template-cache: 100% closures; closure-map-leak: 100%.
   */
  dominantEntryShare: 0.5,
  /** Values from this share of the new entry bytes, with few entries, make a store of samples growing in place. */
  valueEntryShare: 0.5,
  /** Entries per attach point up to which growth is "in place" (an array reallocated larger, not entries added). */
  inPlaceEntries: 8,
  /** As NOISE.agedSurvivorShare, for the new objects under a root (which have ages of their own). */
  agedGrowthShare: 0.25,
  /** New objects under a root from which the age test applies (fewer: arrays reallocated in place, always young). */
  manyNewObjects: 100,
} as const;

/**
 * The owner-level rules of summaries written without growth roots (`verdicts.ts`, the legacy path of
 * `analyze-growth.ts`): kept so that run directories of earlier versions still report.
 */
export const LEGACY_OWNER_VERDICT = {
  /** Transient kinds make a leak from this share of the growth in bytes ... */
  transientShareForLeak: 0.35,
  /** ... or of the new objects by count (a closure capturing a large context is still one closure). */
  transientCountShareForLeak: 0.2,
  /** A specific transient kind names the pattern from this share of the growth. */
  kindShare: 0.1,
  /** Values in array backing stores from this share of the growth: a sample store. */
  valueArrayShare: 0.4,
  /** Bytes of growth per new object from which a store grows in place (its arrays), not by entries. */
  inPlaceBytesPerNewObject: 256,
  /** When instances multiply, a smaller share suffices: each new series starts with a value array. */
  seriesValueArrayShare: 0.2,
  /** New owner instances per request from which they are per-request objects rather than keyed entries. */
  perRequestInstances: 0.5,
  /** A container whose growth is this share holding slots only holds others (folded into them). */
  holdingShare: 0.7,
} as const;

/** Memory outside the JS heap (`outside-heap.ts`, `root-findings.ts`). */
export const OUTSIDE_HEAP = {
  /**
   * A finding whose growth is at least this share native/external memory (its composition, or its
   * root's new bytes in native nodes) grows outside the heap limit: it is projected against the
   * process's memory instead. Guards the heap projection against native state the snapshot shows
   * (`fixtures/gzip-stream-leak.mjs`: 99% of the array's new bytes are the streams' zlib state).
   * It is "most of the growth", the value the composition rule has had since memory outside the
   * heap was first judged, now also read for growth roots. No corpus scenario keeps Buffers or
   * zlib streams: the corpus does not exercise it, and it changes no verdict (only the projection).
   */
  nativeGrowthShare: 0.5,
} as const;
