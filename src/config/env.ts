/**
 * Environment variables, validated with zod at start. Every problem gets one line naming the
 * variable and what is wrong, and no line ever repeats a secret's value.
 */

import { z } from 'zod';
import { AppError } from '../errors.js';
import { secretMasker, secretValues } from '../util/secrets.js';
import { MIN_POLL_SECONDS } from './config-file.js';

const SECRET_VARS = new Set([
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'CAISI_DATABASE_URL',
]);

const idList = (what: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const ids = (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const id of ids)
        if (!/^[A-Z0-9]{2,}$/.test(id)) {
          // Echo an entry only when it is short enough to be a mistyped id, never a pasted secret.
          const shown = id.length <= 16 ? `"${id}"` : `an entry of ${id.length} characters`;
          ctx.addIssue({ code: 'custom', message: `${shown} is not a Slack ${what} id (like U0123ABCD)` });
          return z.NEVER;
        }
      return ids;
    });

const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string()
    .optional()
    .refine((v) => !v || v.startsWith('xoxb-'), 'must be a bot token starting with xoxb-'),
  SLACK_APP_TOKEN: z
    .string()
    .optional()
    .refine((v) => !v || v.startsWith('xapp-'), 'must be an app-level token starting with xapp-'),
  SLACK_SIGNING_SECRET: z
    .string()
    .optional()
    .refine(
      (v) => !v || /^[A-Za-z0-9]{16,}$/.test(v),
      "must be the app's signing secret (letters and digits)",
    ),
  SLACK_API_URL: z
    .string()
    .optional()
    .refine(
      (v) => !v || /^https?:\/\/[^\s]+$/.test(v),
      'must be an http(s) URL such as https://slack.com/api/',
    ),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().optional(),
  CAISI_DB: z.string().min(1).default('./data/caisi.db'),
  /** Postgres instead of the SQLite file: what several replicas share. */
  CAISI_DATABASE_URL: z
    .string()
    .optional()
    .refine(
      (v) => !v || /^postgres(ql)?:\/\/[^\s]+$/.test(v),
      'must be a Postgres URL such as postgres://user:password@host:5432/caisi',
    ),
  /** How long a leader's lease lasts without renewal; another replica takes over after it. */
  CAISI_LEADER_LEASE_SECONDS: z.coerce
    .number()
    .int('must be a whole number of seconds')
    .min(2, 'must be at least 2')
    .max(3600, 'must be at most 3600')
    .default(15),
  CAISI_CONFIG: z.string().optional(),
  CAISI_FEEDS: z.string().optional(),
  /** The team's own roster file (whole, or `extends: bundled`); wins over `roster:` in the config file. */
  CAISI_ROSTER: z.string().optional(),
  CAISI_CHANNEL: z
    .string()
    .optional()
    .refine(
      (v) => !v || /^[CGD][A-Z0-9]{2,}$/.test(v),
      'must be a channel id such as C0123ABCD (not a #name)',
    ),
  // Unset means "the config file's pollSeconds" (effective.ts), not a default of its own.
  CAISI_POLL_SECONDS: z.coerce
    .number()
    .int('must be a whole number of seconds')
    .min(MIN_POLL_SECONDS, `must be at least ${MIN_POLL_SECONDS}`)
    .optional(),
  CAISI_ADMINS: idList('user'),
  CAISI_ALLOW_PRIVATE_FEEDS: z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Mode = 'socket' | 'http' | 'local';

export type Env = z.infer<typeof envSchema> & {
  mode: Mode;
  /** For local mode: which variables would connect it to Slack. */
  missing: string[];
};

export class EnvError extends AppError {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'), 'env', 'operator');
    this.name = 'EnvError';
  }
}

export function parseEnv(env: NodeJS.ProcessEnv): Env {
  // Empty strings are treated as unset, as shells and .env files often leave them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = envSchema.safeParse(cleaned);
  if (!r.success) {
    // zod messages never include the value, and ours never do for secrets; and should a value be
    // quoted anyway, a token or any secret of this environment is masked.
    const mask = secretMasker(secretValues(cleaned));
    throw new EnvError(
      r.error.issues.map((i) => {
        const name = String(i.path[0] ?? 'environment');
        const message = SECRET_VARS.has(name) ? i.message.replace(/".*"/, '(value hidden)') : i.message;
        return mask(`${name}: ${message}`.replace(/\s*\n\s*/g, ' '));
      }),
    );
  }
  const e = r.data;
  let mode: Mode = 'local';
  const missing: string[] = [];
  if (e.SLACK_BOT_TOKEN && e.SLACK_APP_TOKEN) mode = 'socket';
  else if (e.SLACK_BOT_TOKEN && e.SLACK_SIGNING_SECRET) mode = 'http';
  else {
    if (!e.SLACK_BOT_TOKEN) missing.push('SLACK_BOT_TOKEN');
    if (!e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET)
      missing.push('SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)');
  }
  return { ...e, mode, missing };
}
