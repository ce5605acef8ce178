/**
 * hogan.js@3.0.2: `Hogan.compile(text)` keeps every compiled template in the module-level
 * `Hogan.cache`, keyed by the template text (plus options), forever. A stream processor compiling
 * per-message templates, as in the report, keeps "every string ever processed" and its compiled template.
 * Issue: https://github.com/twitter/hogan.js/issues/239. Version: hogan.js@3.0.2 (end of life; no fix).
 * Expected: accumulation (compiled templates in a keyed cache), owner Hogan (its `cache` object).
 *
 * @expect {"verdict":"accumulation","owner":["Hogan","Object (cache)","cache"],"kind":"script","rps":200,"duration":"15s","issue":"https://github.com/twitter/hogan.js/issues/239","library":"hogan.js@3.0.2","control":false}
 */
import Hogan from 'hogan.js';

let i = 0;
export const options = { rps: 200, duration: '15s' };
export default function iteration() {
  i++;
  const text = `Alert ${i}: {{host}} is {{status}} since {{since}} (rule ${i % 97})`;
  return Hogan.compile(text).render({ host: `web-${i % 10}`, status: 'down', since: '10:42' }).length;
}
