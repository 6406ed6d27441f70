/**
 * An item's identity across feeds (pure): the same article reached through two feeds is one article.
 * - Through an aggregator (Google News, Bing News), the aggregator's guid: it is the same in every
 *   search feed that returns the article.
 * - Otherwise its canonical link, unless the link is a site's front page, which some feeds give
 *   every item.
 */
import type { FeedItem } from '../feeds/types.js';

export function itemIdentity(item: Pick<FeedItem, 'id' | 'link' | 'aggregator'>): string | null {
  if (item.aggregator) return `${item.aggregator} ${item.id}`;
  if (!item.link) return null;
  let url: URL;
  try {
    url = new URL(item.link);
  } catch {
    return null;
  }
  if ((url.pathname === '/' || url.pathname === '') && url.search === '') return null;
  return item.link;
}
