/** The App Home tab: roster, latest alerts, feed health, and (for admins) parked alerts. */
import { recentAnswer, rosterAnswer } from '../answers/answer.js';
import type { Block } from '../render/alert.js';
import { renderAnswerBlocks } from '../render/answer-blocks.js';
import { escapeMrkdwn, mrkdwnText, truncate } from '../render/mrkdwn.js';
import type { Roster } from '../roster/schema.js';
import type { Store } from '../store/store.js';
import { feedHealthLine } from './command.js';

export async function buildHomeView(
  r: Roster,
  store: Store,
  isAdmin: boolean,
): Promise<{ type: 'home'; blocks: Block[] }> {
  const blocks: Block[] = [
    ...renderAnswerBlocks(rosterAnswer(r), 30),
    { type: 'divider' },
    ...renderAnswerBlocks(recentAnswer(await store.latestStories(5)), 20),
    { type: 'divider' },
    { type: 'header', text: { type: 'plain_text', text: 'Feed health', emoji: false } },
  ];
  const feeds = await store.listFeeds();
  const lines = feeds.map((f) => escapeMrkdwn(feedHealthLine(f)));
  blocks.push({
    type: 'section',
    text: mrkdwnText(truncate(lines.join('\n') || 'No feeds configured.', 2900)),
  });
  if (isAdmin) {
    const parked = await store.parkedDeliveries();
    blocks.push(
      { type: 'divider' },
      {
        type: 'header',
        text: { type: 'plain_text', text: `Parked alerts (${parked.length})`, emoji: false },
      },
    );
    const text = parked.length
      ? parked
          .slice(0, 30)
          .map(
            (p) =>
              `• ${escapeMrkdwn(p.kind)} ${p.storyId ?? ''} → ${escapeMrkdwn(p.channel)}: ${escapeMrkdwn(p.lastError ?? 'unknown')} (since ${p.createdAt.slice(0, 16).replace('T', ' ')})`,
          )
          .join('\n')
      : 'None. Alerts the bot could not post (not in channel, channel archived or gone) would be listed here.';
    blocks.push({ type: 'section', text: mrkdwnText(truncate(text, 2900)) });
  }
  return { type: 'home', blocks: blocks.slice(0, 100) };
}
