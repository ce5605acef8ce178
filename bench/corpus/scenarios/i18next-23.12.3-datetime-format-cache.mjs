/**
 * i18next@23.12.3: the in-built formatters (number, currency, datetime, relativetime, list) are
 * wrapped by `createCachedFormatter`, which keeps one Intl formatter per `lng + JSON.stringify(options)`
 * in a closure-held plain object with no bound. The options passed down include the interpolated value
 * itself, so `t('lastSeen', { val: date, formatParams: {...} })` makes a new key, and a new
 * Intl.DateTimeFormat, for every distinct date: "count of objects" keeps rising, as in the report.
 * Issue: https://github.com/i18next/i18next/issues/2227 (reported on 22.5.1; the 23.12.4-23.12.7 fix
 * leaves the formatted value out of the key when it has formatParams, 25.2.0 adds
 * `cacheInBuiltFormats: false`). Version: i18next@23.12.3.
 * Control: i18next-23.16.8-datetime-format-cache.mjs.
 * Expected: accumulation (formatters cached by input value, unbounded), owner the formatter cache,
 * i.e. the anonymous function kept in `formats.datetime` whose closure holds it (memprobe writes a
 * function holder as `name()`: "datetime()" added to the owner list after the first run).
 *
 * @expect {"verdict":"accumulation","owner":["Formatter","Object (cache)","cache","createCachedFormatter","datetime","datetime()"],"kind":"script","rps":150,"duration":"15s","issue":"https://github.com/i18next/i18next/issues/2227","library":"i18next@23.12.3","control":false}
 */
import i18next from 'i18next-23-12-3';

const i18n = i18next.createInstance();
await i18n.init({
  lng: 'en',
  initImmediate: false,
  resources: { en: { translation: { lastSeen: 'Last seen {{- val, datetime}}' } } },
});
const base = Date.UTC(2024, 7, 15, 9, 0, 0);
let i = 0;
export const options = { rps: 150, duration: '15s' };
export default function iteration() {
  i++;
  // e.g. an activity feed: each user's own "last seen" timestamp
  const val = new Date(base + i * 61_000);
  return i18n.t('lastSeen', { val, formatParams: { val: { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: 'numeric' } } }).length;
}
