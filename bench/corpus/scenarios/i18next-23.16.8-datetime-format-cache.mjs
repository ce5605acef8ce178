/**
 * Control for i18next-23.12.3-datetime-format-cache.mjs: i18next@23.16.8, where `createCachedFormatter`
 * leaves the interpolated value (`options[interpolationkey]`) out of the cache key when it has
 * `formatParams`, the fix for the report (23.12.4-23.12.7). Other per-call t() options would still
 * enter the key; here there are none. The same per-user dates now share one
 * cached Intl.DateTimeFormat.
 * Issue: https://github.com/i18next/i18next/issues/2227. Fixed version: i18next@23.16.8.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/i18next/i18next/issues/2227","library":"i18next@23.16.8","control":true}
 */
import i18next from 'i18next-23-16-8';

const i18n = i18next.createInstance();
await i18n.init({
  lng: 'en',
  initImmediate: false,
  resources: { en: { translation: { lastSeen: 'Last seen {{- val, datetime}}' } } },
});
const base = Date.UTC(2024, 7, 15, 9, 0, 0);
let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  i++;
  // e.g. an activity feed: each user's own "last seen" timestamp
  const val = new Date(base + i * 61_000);
  return i18n.t('lastSeen', { val, formatParams: { val: { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: 'numeric' } } }).length;
}
