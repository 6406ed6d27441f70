/**
 * Extractive summary (pure): two or three sentences of the item's own text, preferring those that
 * carry the matched labs and programs, in their original order.
 */
import { sentences } from '../text/sentences.js';

export interface SummaryOptions {
  maxSentences: number;
  maxChars: number;
}

const DEFAULTS: SummaryOptions = { maxSentences: 3, maxChars: 450 };

/**
 * @param evidence the matched texts (aliases as they appear), used to rank sentences.
 */
export function summarise(summary: string, evidence: string[], opts: Partial<SummaryOptions> = {}): string {
  const o = { ...DEFAULTS, ...opts };
  const all = sentences(summary);
  if (all.length === 0) return '';
  const needles = [...new Set(evidence.map((e) => e.toLowerCase()))];
  const scored = all.map((s, i) => {
    const lower = s.toLowerCase();
    return { s, i, score: needles.filter((n) => lower.includes(n)).length };
  });
  const picked = scored
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, o.maxSentences);
  // Too few sentences name the entities: fill from the lead, which usually states the news.
  for (const x of scored) {
    if (picked.length >= Math.min(2, all.length)) break;
    if (!picked.includes(x)) picked.push(x);
  }
  picked.sort((a, b) => a.i - b.i);
  let out = '';
  for (const { s } of picked) {
    const next = out ? `${out} ${s}` : s;
    if (next.length > o.maxChars) {
      if (!out) out = `${s.slice(0, o.maxChars - 1).replace(/\s+\S*$/, '')}…`;
      break;
    }
    out = next;
  }
  return out;
}
