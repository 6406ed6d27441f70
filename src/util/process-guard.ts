/**
 * Process-level guards for the long-running bot: a promise rejection nobody handled is logged as
 * one line and the bot keeps running (a library's stray rejection must not take alerts down); an
 * uncaught exception leaves the process in an unknown state, so it is logged as one line and the
 * bot is asked to stop cleanly (`onFatal`).
 */
import type { Logger } from 'pino';

type ProcessLike = Pick<NodeJS.Process, 'on' | 'off'>;

const oneLine = (reason: unknown) =>
  (reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason))
    .replace(/\s*\n\s*/g, ' ')
    .slice(0, 500);

/** Install the guards; returns a function that removes them. */
export function installProcessGuards(proc: ProcessLike, logger: Logger, onFatal: () => void): () => void {
  const onRejection = (reason: unknown) => {
    logger.error({ err: oneLine(reason) }, 'unhandled promise rejection (logged; the bot keeps running)');
  };
  let fatalSeen = false;
  const onException = (err: Error) => {
    logger.fatal({ err: oneLine(err) }, 'uncaught exception; stopping');
    if (!fatalSeen) {
      fatalSeen = true;
      onFatal();
    }
  };
  proc.on('unhandledRejection', onRejection);
  proc.on('uncaughtException', onException);
  return () => {
    proc.off('unhandledRejection', onRejection);
    proc.off('uncaughtException', onException);
  };
}
