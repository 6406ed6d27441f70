/** Which channels get a story in real time, and which in the daily digest (pure). */
import type { StoryRow, Subscription, SubscriptionMode } from '../store/types.js';

const phraseOf = (target: string) => (target.startsWith('phrase:') ? target.slice('phrase:'.length) : null);

/** Does a plain-text keyword subscription match this text? Whole words, any case, no regex from users. */
export function phraseMatches(phrase: string, text: string): boolean {
  const norm = (s: string) =>
    ` ${s
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim()} `;
  const p = norm(phrase);
  return p.trim().length > 0 && norm(text).includes(p);
}

export function subscriptionMatches(sub: Subscription, story: StoryRow, text: string): boolean {
  if (sub.target === 'all') return true;
  const phrase = phraseOf(sub.target);
  if (phrase != null) return phraseMatches(phrase, text);
  return story.labs.includes(sub.target) || story.programs.includes(sub.target);
}

export function channelsFor(
  story: StoryRow,
  subs: Subscription[],
  mode: SubscriptionMode,
  item?: { title: string | null; summary: string },
): string[] {
  const text = item ? `${item.title ?? ''} ${item.summary}` : `${story.title} ${story.summary}`;
  return [
    ...new Set(
      subs.filter((s) => s.mode === mode && subscriptionMatches(s, story, text)).map((s) => s.channel),
    ),
  ];
}

export function routeStory(
  story: StoryRow,
  subs: Subscription[],
  alertChannel: string | null,
  item?: { title: string | null; summary: string },
): string[] {
  const channels = channelsFor(story, subs, 'realtime', item);
  return alertChannel ? [...new Set([alertChannel, ...channels])] : channels;
}
