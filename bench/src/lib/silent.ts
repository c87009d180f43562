import { pino, type Logger } from 'pino';

/** A logger that drops everything, so that benchmark output stays readable. */
export const silentLogger: Logger = pino({ level: 'silent' });
