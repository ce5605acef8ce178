/** Exit codes (CONTRACT "Exit codes"). */
export const EXIT = {
  ok: 0,
  gateFailed: 1,
  usage: 2,
  targetCrashed: 3,
} as const;
