/**
 * Finding secrets in text that is about to leave the process (a log line, an error message): Slack
 * tokens by their shape, and any other secret by its value when it is known (from the environment).
 */

/** Slack tokens: xoxb- (bot), xoxp- (user), xoxa/xoxo/xoxs/xoxr, xoxe- and xoxe.xoxp- (rotating), xapp-. */
const TOKEN_PATTERN = /(?<![A-Za-z0-9])x(?:ox[abposre](?:\.xox[abposr])?|app)-[A-Za-z0-9.-]+/g;

/** Environment variables whose values are secrets. */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PRIVATE_KEY|API_KEY)$/i;

/** Token-shaped strings → their prefix and `[redacted]`. */
export const maskTokens = (s: string): string =>
  s.replace(TOKEN_PATTERN, (t) => `${t.slice(0, t.indexOf('-') + 1)}[redacted]`);

/** The secret values in an environment (only values long enough to be secrets, never a word like "true"). */
export function secretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && typeof value === 'string')
    .map(([, value]) => (value as string).trim())
    .filter((value) => value.length >= 8);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A function that masks Slack tokens and the given secret values (also as they appear inside JSON
 * strings, with quotes and backslashes escaped).
 */
export function secretMasker(values: readonly string[]): (s: string) => string {
  const forms = new Set<string>();
  for (const v of values) {
    if (v.length < 8) continue;
    forms.add(v);
    forms.add(JSON.stringify(v).slice(1, -1));
  }
  const known = forms.size
    ? new RegExp(
        [...forms]
          .sort((a, b) => b.length - a.length)
          .map(escapeRegExp)
          .join('|'),
        'g',
      )
    : null;
  return (s: string) => {
    const masked = maskTokens(s);
    return known ? masked.replace(known, '[redacted]') : masked;
  };
}
