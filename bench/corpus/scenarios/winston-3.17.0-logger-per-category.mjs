/**
 * winston@3.17.0: `winston.loggers.get(category)` creates the logger when the category is new and
 * keeps it in the default Container's `loggers` Map until `close(category)`. The SDK in the report
 * builds a fresh category per API call (a random suffix), so every call creates a Logger (a
 * Transform stream, with its format pipeline and transports) that is never closed.
 * Issue: https://github.com/CyberSource/cybersource-rest-client-node/issues/141. Version: winston@3.17.0.
 * Control: winston-3.17.0-child-loggers.mjs.
 * Expected: leak (a stream per finished call, never closed), owner the Container / its `loggers` Map.
 *
 * @expect {"verdict":"leak","owner":["Container","Map (loggers)"],"kind":"script","rps":60,"duration":"15s","issue":"https://github.com/CyberSource/cybersource-rest-client-node/issues/141","library":"winston@3.17.0","control":false}
 */
import winston from 'winston';

let i = 0;
export const options = { rps: 60, duration: '15s' };
export default function iteration() {
  i++;
  const category = `PaymentsApi${Math.floor(Math.random() * 1e9)}`;
  const logger = winston.loggers.get(category, { level: 'warn', format: winston.format.json(), transports: [new winston.transports.Console({ silent: true })] });
  logger.info('calling payments endpoint', { attempt: i });
}
