/**
 * winston@3.17.0: `createLogger({ transports: [shared] })` pipes the new logger into the shared
 * transport, which registers the logger's listeners ('unpipe', 'error', 'drain', 'close', 'finish')
 * on that transport: the MaxListenersExceededWarning of the reports. A logger created per task
 * with the one shared transport, and never closed, leaves its listeners (and so itself) on the transport.
 * Issue: https://github.com/winstonjs/winston/issues/1334 (also #1791). Version: winston@3.17.0.
 * Control: winston-3.17.0-child-loggers.mjs.
 * Expected: leak (listeners registered for finished work), owner the shared transport (a Stream transport).
 *
 * @expect {"verdict":"leak","owner":["Stream","/Transport/"],"kind":"script","rps":60,"duration":"15s","issue":"https://github.com/winstonjs/winston/issues/1334","library":"winston@3.17.0","control":false}
 */
import winston from 'winston';
import { Writable } from 'node:stream';

const sink = new Writable({ write(chunk, enc, cb) { cb(); } });
const shared = new winston.transports.Stream({ stream: sink });
let i = 0;
export const options = { rps: 60, duration: '15s' };
export default function iteration() {
  i++;
  const logger = winston.createLogger({ level: 'warn', defaultMeta: { task: i }, transports: [shared] });
  logger.info('task started');
}
