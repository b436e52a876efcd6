import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { TaskLogger } from './operator.js';
import type { Redactor } from './stream.js';

export interface RunnerLogger extends TaskLogger {
  readonly pretty: boolean;
  child(fields: Record<string, unknown>): RunnerLogger;
}

function wrap(logger: Logger, redactor: Redactor, pretty: boolean): RunnerLogger {
  const emit =
    (level: 'info' | 'warn' | 'error') =>
    (msg: string, fields?: Record<string, unknown>): void => {
      const text = redactor.apply(msg);
      if (fields) {
        // Field values are redacted too: an operator might log a connection by mistake.
        const safe = JSON.parse(redactor.apply(JSON.stringify(fields))) as Record<string, unknown>;
        logger[level](safe, text);
      } else {
        logger[level](text);
      }
    };
  return {
    pretty,
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => wrap(logger.child(fields), redactor, pretty),
  };
}

/**
 * The runner's structured logger: pino JSON lines on stdout; pino-pretty when asked (TTY by default). pino-pretty is
 * imported only then, which keeps the start-up of the JSON (container) case short.
 */
export async function createLogger(opts: {
  readonly stdout: Writable;
  readonly pretty: boolean;
  readonly redactor: Redactor;
  readonly fields?: Record<string, unknown>;
}): Promise<RunnerLogger> {
  const { pino } = await import('pino');
  const base = { base: null };
  let logger: Logger;
  if (opts.pretty) {
    const { default: pretty } = await import('pino-pretty');
    logger = pino(
      base,
      pretty({
        destination: opts.stdout as unknown as NodeJS.WritableStream,
        sync: true,
        colorize: true,
        singleLine: true,
        translateTime: 'UTC:HH:MM:ss.l',
      }),
    );
  } else {
    logger = pino(base, opts.stdout as unknown as NodeJS.WritableStream);
  }
  if (opts.fields) logger = logger.child(opts.fields);
  return wrap(logger, opts.redactor, opts.pretty);
}
