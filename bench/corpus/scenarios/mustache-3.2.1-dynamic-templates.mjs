/**
 * mustache@3.2.1: `Mustache.render(template, view)` parses the template and caches the token tree
 * in the default Writer's `cache`, keyed by the template text, with no bound and no way to turn it
 * off. Templates generated per request (here with a per-form UUID, as in the report) add an entry each.
 * Issue: https://github.com/janl/mustache.js/issues/748 (cache made replaceable/disableable in 4.0, #730).
 * Leaking version: mustache@3.2.1. Control: mustache-4.2.0-cache-disabled.mjs.
 * Expected: accumulation (parsed templates keyed by input), owner the Writer (its cache).
 *
 * @expect {"verdict":"accumulation","owner":["Writer","Object (cache)"],"kind":"script","rps":150,"duration":"15s","issue":"https://github.com/janl/mustache.js/issues/748","library":"mustache@3.2.1","control":false}
 */
import Mustache from 'mustache-3';
import { randomUUID } from 'node:crypto';

let i = 0;
export const options = { rps: 150, duration: '15s' };
export default function iteration() {
  i++;
  const formId = randomUUID();
  const template = `<form id="${formId}"><h1>{{title}}</h1>{{#fields}}<input name="{{name}}" value="{{value}}">{{/fields}}</form>`;
  return Mustache.render(template, { title: `Order ${i}`, fields: [{ name: 'qty', value: i % 7 }, { name: 'sku', value: `s${i % 50}` }] }).length;
}
