/** A feed item after normalisation: plain text, stable id, ISO date or null. */
export interface FeedItem {
  /** Stable identity: guid, else canonical link (tracking parameters stripped), else a hash of title and summary. */
  id: string;
  title: string;
  /** Canonical http(s) link, or null when the item has none. */
  link: string | null;
  /** ISO 8601 date, or null when the feed gave none or gave garbage. */
  published: string | null;
  /** Plain text (HTML stripped, entities decoded, whitespace collapsed). */
  summary: string;
}

export interface ParsedFeed {
  feed: { title: string; link: string | null; ttlMinutes: number | null };
  items: FeedItem[];
}
