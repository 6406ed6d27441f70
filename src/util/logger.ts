/**
 * pino logger: JSON lines, pretty when stdout is a terminal. Tokens, secrets and authorization
 * headers are redacted wherever they appear in a logged object.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export const REDACT_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'clientSecret',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.authorization',
  '*.headers.authorization',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  '*.SLACK_BOT_TOKEN',
  '*.SLACK_APP_TOKEN',
  '*.SLACK_SIGNING_SECRET',
];

/** Strings that look like Slack tokens are masked even inside messages. */
const TOKEN_PATTERN = /\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+/g;
export const maskSecrets = (s: string) => s.replace(TOKEN_PATTERN, (t) => `${t.slice(0, 5)}[redacted]`);

export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  const pretty = !destination && process.stdout.isTTY && process.env.NODE_ENV !== 'test';
  const options = {
    level,
    base: { app: 'caisi-watch' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) =>
            typeof a === 'string'
              ? maskSecrets(a)
              : a instanceof Error
                ? Object.assign(a, { message: maskSecrets(a.message) })
                : a,
          ),
        );
      },
    },
    serializers: {
      err: (e: Error) => ({
        type: e.name,
        message: maskSecrets(e.message),
        code: (e as { code?: string }).code,
      }),
    },
  };
  if (destination) return pino(options, destination);
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(options);
}
