/**
 * Control for ajv-8.17.1-compile-fresh-schema.mjs: the same `ajv.compile(getSchema())` per call on
 * ajv@6.12.6, whose cache is keyed by the serialized schema, so every call after the first gets the
 * one compiled validator back.
 * Issue: https://github.com/ajv-validator/ajv/issues/2134. Library: ajv@6.12.6.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":100,"duration":"15s","issue":"https://github.com/ajv-validator/ajv/issues/2134","library":"ajv@6.12.6","control":true}
 */
import Ajv from 'ajv-6';

const ajv = new Ajv({ allErrors: true });
const getSchema = () => ({
  type: 'object',
  required: ['id', 'email'],
  properties: { id: { type: 'integer' }, email: { type: 'string', maxLength: 200 }, tags: { type: 'array', items: { type: 'string' } } },
});
let i = 0;
export const options = { rps: 100, duration: '15s' };
export default function iteration() {
  i++;
  const validate = ajv.compile(getSchema());
  validate({ id: i, email: `user${i}@example.com`, tags: ['a'] });
}
