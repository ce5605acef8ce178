/** memprobe's exit codes (docs/contract.md, "Exit codes"). */
export const EXIT = {
  /** Finished; the gate passed, or there was none. */
  ok: 0,
  gateFailed: 1,
  /** A usage or input error: one line on stderr, no stack trace. */
  usage: 2,
  /** The target crashed, exited or hung during the run; a partial report was written. */
  targetCrashed: 3,
  /** Interrupted by Ctrl-C (128 + SIGINT, as shells report it); a partial report was written. */
  interrupted: 130,
  /** Ended by SIGTERM (128 + 15): a CI job's timeout, `kill`, `docker stop`; a partial report was written. */
  terminated: 143,
} as const;
