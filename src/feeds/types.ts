/** A feed item after normalisation: plain text, stable id, ISO date or null. */
export interface FeedItem {
  /** Stable identity: guid, else canonical link (tracking parameters stripped), else a hash of title and summary. */
  id: string;
  /** The headline, without a trailing " - Outlet" naming its publisher; null when the item has none. */
  title: string | null;
  /** Canonical http(s) link, or null when the item has none. */
  link: string | null;
  /** ISO 8601 date, or null when the feed gave none or gave garbage. */
  published: string | null;
  /** Plain text (HTML stripped, entities decoded, whitespace collapsed). */
  summary: string;
  /**
   * The publisher the item itself names (<source>, Bing's <News:Source>, else a dc:source or
   * dc:publisher that names an outlet), or null: the poll then uses the feed's name.
   */
  outlet: string | null;
  /**
   * Host of the aggregator the item came through ("news.google.com"), or null for a publisher's own
   * item. With the id (the aggregator's guid), it identifies the same article across search feeds.
   */
  aggregator: string | null;
  /**
   * Headlines the aggregator lists as other coverage of the same story (Google News's list of
   * related coverage), without the item's own; empty for a publisher's own item. Not in alerts: story
   * clustering takes them as the aggregator's word that those headlines are one story.
   */
  related: string[];
}

export interface ParsedFeed {
  feed: { title: string; link: string | null; ttlMinutes: number | null };
  items: FeedItem[];
}
