/** Lookup answers as terminal text (the CLI's `status`, `roster`, `timeline`). */
import type { Answer } from '../answers/answer.js';

export function renderAnswerText(a: Answer): string {
  const out = [a.title, '='.repeat(Math.min(a.title.length, 72))];
  for (const s of a.sections) {
    if (s.heading) out.push('', s.heading);
    for (const l of s.lines) {
      out.push(`  ${l.text}${l.url ? ` <${l.url}>` : ''}`);
      if (l.detail) out.push(`      ${l.detail}`);
    }
  }
  return `${out.join('\n')}\n`;
}
