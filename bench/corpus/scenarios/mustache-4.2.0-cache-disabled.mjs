/**
 * Control for mustache-3.2.1-dynamic-templates.mjs: mustache@4.2.0 with the template cache turned
 * off (`Mustache.templateCache = undefined`), the remedy the maintainers gave in the issue.
 * Issue: https://github.com/janl/mustache.js/issues/748. Fixed version: mustache@4.2.0.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/janl/mustache.js/issues/748","library":"mustache@4.2.0","control":true}
 */
import Mustache from 'mustache-4';
import { randomUUID } from 'node:crypto';

Mustache.templateCache = undefined;
let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  i++;
  const formId = randomUUID();
  const template = `<form id="${formId}"><h1>{{title}}</h1>{{#fields}}<input name="{{name}}" value="{{value}}">{{/fields}}</form>`;
  return Mustache.render(template, { title: `Order ${i}`, fields: [{ name: 'qty', value: i % 7 }, { name: 'sku', value: `s${i % 50}` }] }).length;
}
