/**
 * Control for winston-3.17.0-logger-per-category.mjs: one logger, and a `logger.child({...})` per
 * call carrying the call's metadata, the pattern the winston docs give for per-request context.
 * Issue: https://github.com/CyberSource/cybersource-rest-client-node/issues/141. Library: winston@3.17.0.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":200,"duration":"15s","issue":"https://github.com/CyberSource/cybersource-rest-client-node/issues/141","library":"winston@3.17.0","control":true}
 */
import winston from 'winston';

const base = winston.createLogger({ level: 'warn', format: winston.format.json(), transports: [new winston.transports.Console({ silent: true })] });
let i = 0;
export const options = { rps: 200, duration: '15s' };
export default function iteration() {
  i++;
  const logger = base.child({ category: `PaymentsApi${Math.floor(Math.random() * 1e9)}` });
  logger.info('calling payments endpoint', { attempt: i });
}
