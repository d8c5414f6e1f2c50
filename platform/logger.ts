// Structured logs: JSON lines with pino, pretty only when a person watches a terminal. Personal
// data and secrets are never logged on purpose; the redaction below is the safety net.
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';

export type { Logger } from 'pino';

const REDACT = [
  'apiKey', '*.apiKey', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'secret', '*.secret', 'email', '*.email', 'recipient', '*.recipient', '*.name', 'address', '*.address',
];

export function createLogger(o: { name: string; level?: string; destination?: DestinationStream }): Logger {
  const options: pino.LoggerOptions = {
    // The process's name as a mixin, not pino's `name` binding: hono-pino copies bindings into
    // each request's child logger, which would write a binding twice.
    mixin: () => ({ service: o.name }),
    level: o.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (o.destination) return pino(options, o.destination);
  if (process.stdout.isTTY && process.env.LOG_PRETTY !== 'off') {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino(options);
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** The Temporal SDK's logger (worker, workflow and activity lines) writing through pino. */
export function temporalLogger(logger: Logger): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => logger[LEVELS[level]]({ ...meta }, message);
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}
