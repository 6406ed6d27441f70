/**
 * pino logger: JSON lines, pretty when stdout is a terminal. Tokens, secrets and authorization
 * headers are redacted wherever they appear: under a secret-sounding key at any depth of a logged
 * object, token-shaped strings anywhere, and the secret values of the environment (or given ones) in
 * every line written, whatever shape they were logged in.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import { maskTokens, secretMasker, secretValues } from './secrets.js';

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
export const maskSecrets = maskTokens;

/** Keys whose values are secrets, at any depth of a logged object. */
const SECRET_KEY = /(token|secret|password|passwd|authorization|cookie|api[-_]?key|private[-_]?key)$/i;
const MAX_DEPTH = 8;

/** A copy of a logged value with secret-keyed values censored and tokens masked in every string. */
function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskTokens(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  seen.add(value);
  if (value instanceof Error)
    return { type: value.name, message: maskTokens(value.message), code: (value as { code?: unknown }).code };
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  if (ArrayBuffer.isView(value)) return '[binary]';
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return scrub(toJSON.call(value), depth + 1, seen);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] =
      SECRET_KEY.test(k) && v != null && typeof v !== 'boolean' ? '[redacted]' : scrub(v, depth + 1, seen);
  return out;
}

export interface LoggerOptions {
  /** Secret values to mask in every line, on top of those found in the environment. */
  secrets?: readonly string[];
}

export function createLogger(
  level = 'info',
  destination?: DestinationStream,
  opts: LoggerOptions = {},
): Logger {
  const pretty = !destination && process.stdout.isTTY && process.env.NODE_ENV !== 'test';
  const maskLine = secretMasker([...(opts.secrets ?? []), ...secretValues(process.env)]);
  const options = {
    level,
    base: { app: 'caisi-watch' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: {
      bindings: (bindings: Record<string, unknown>) => scrub(bindings) as Record<string, unknown>,
    },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a, i) =>
            typeof a === 'string'
              ? maskTokens(a)
              : i === 0 && a instanceof Error
                ? Object.assign(a, { message: maskTokens(a.message) })
                : scrub(a),
          ),
        );
      },
      // Last line of defence: whatever the shape, a known secret value never reaches the output.
      streamWrite: maskLine,
    },
    serializers: {
      // Callers also log `err: message` strings: a serializer that assumed an Error threw on them.
      err: (e: unknown) =>
        e instanceof Error
          ? { type: e.name, message: maskSecrets(e.message), code: (e as { code?: string }).code }
          : typeof e === 'string'
            ? maskSecrets(e)
            : e,
    },
  };
  if (destination) return pino(options, destination);
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(options);
}
