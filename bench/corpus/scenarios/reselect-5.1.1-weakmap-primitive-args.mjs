/**
 * reselect@5.1.1 `weakMapMemoize` (the default memoizer of createSelector in v5): object arguments
 * are keyed in WeakMaps, but primitive arguments in strong Maps inside the cache tree. A selector
 * called with a long-lived state object and ever-changing numbers (`(state, from, to)` as an
 * infinite list scrolls) keeps every result computed for as long as the state object lives.
 * Issue: https://github.com/reduxjs/reselect/issues/635 (PR #761 adds maxSize). Version: reselect@5.1.1.
 * Expected: accumulation (memoized results keyed by input), owner the memoized selector (its cache
 * tree is reachable only through the memoizer's closure).
 *
 * @expect {"verdict":"accumulation","owner":["memoized","selectVisibleRows","/^Map \\(.*\\)$/"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/reduxjs/reselect/issues/635","library":"reselect@5.1.1","control":false}
 */
import { weakMapMemoize } from 'reselect';

const state = { rows: Array.from({ length: 2000 }, (_, k) => k) };
const selectVisibleRows = weakMapMemoize((s, from, to) => s.rows.slice(from % 1900, (from % 1900) + (to - from)));
let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  i++;
  return selectVisibleRows(state, i, i + 5).length;
}
