/**
 * A poll cycle's view of the seen items: read once for the feeds that answered (and the
 * identities their items carry), kept current as the cycle marks items, and written in one go.
 * It answers exactly what the store's isSeen / seenElsewhere would inside the cycle's transaction,
 * without a round trip per item (with Postgres, those round trips were most of a cold cycle).
 */
import type { SeenItem, Store } from '../store/store.js';

interface Mark {
  feedId: number;
  item: SeenItem;
  r: { now: string; alert: boolean; storyId: number | null };
}

const idKey = (feedId: number, itemId: string) => `${feedId}\u0000${itemId}`;
const titleLinkKey = (feedId: number, titleKey: string, link: string) =>
  `${feedId}\u0000${titleKey}\u0000${link}`;

export class CycleSeen {
  private readonly byId = new Set<string>();
  private readonly byTitleLink = new Set<string>();
  /** Identity → the feeds' items that carry it (feed id, item id order, as the store's index). */
  private readonly byIdent = new Map<string, { feedId: number; itemId: string; storyId: number | null }[]>();
  private marks: Mark[] = [];
  private touchedIds: { feedId: number; itemId: string }[] = [];
  private touchedTitles: { feedId: number; titleKey: string; link: string }[] = [];

  private constructor(private readonly store: Store) {}

  static async load(store: Store, feedIds: number[], idents: string[]): Promise<CycleSeen> {
    const seen = new CycleSeen(store);
    const index = await store.seenIndex(feedIds, idents);
    for (const i of index.items) {
      seen.byId.add(idKey(i.feedId, i.itemId));
      if (i.link && i.titleKey) seen.byTitleLink.add(titleLinkKey(i.feedId, i.titleKey, i.link));
    }
    for (const i of index.idents) seen.addIdent(i.ident, i);
    return seen;
  }

  private addIdent(ident: string, e: { feedId: number; itemId: string; storyId: number | null }): void {
    const list = this.byIdent.get(ident) ?? [];
    list.push(e);
    list.sort((a, b) => a.feedId - b.feedId || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
    this.byIdent.set(ident, list);
  }

  /** As Store.isSeen. */
  isSeen(feedId: number, itemId: string, titleKey: string, link: string | null): boolean {
    if (this.byId.has(idKey(feedId, itemId))) return true;
    if (!link || !titleKey) return false;
    return this.byTitleLink.has(titleLinkKey(feedId, titleKey, link));
  }

  /** As Store.touchSeen (written at flush). */
  touchSeen(feedId: number, itemId: string, titleKey: string, link: string | null): void {
    if (this.byId.has(idKey(feedId, itemId))) this.touchedIds.push({ feedId, itemId });
    else if (link && titleKey) this.touchedTitles.push({ feedId, titleKey, link });
  }

  /** As Store.seenElsewhere. */
  seenElsewhere(feedId: number, ident: string): { storyId: number | null } | undefined {
    const other = this.byIdent.get(ident)?.find((e) => e.feedId !== feedId);
    return other ? { storyId: other.storyId } : undefined;
  }

  /** As Store.markSeen (written at flush; a second mark of the same item changes nothing). */
  markSeen(feedId: number, item: SeenItem, r: Mark['r']): void {
    const key = idKey(feedId, item.id);
    if (this.byId.has(key)) return;
    this.byId.add(key);
    if (item.link && item.titleKey) this.byTitleLink.add(titleLinkKey(feedId, item.titleKey, item.link));
    if (item.ident) this.addIdent(item.ident, { feedId, itemId: item.id, storyId: r.storyId });
    this.marks.push({ feedId, item, r });
  }

  /** Write what was marked and touched; before anything reads the items table, and at the end. */
  async flush(now: string): Promise<void> {
    const marks = this.marks;
    const ids = this.touchedIds;
    const titles = this.touchedTitles;
    this.marks = [];
    this.touchedIds = [];
    this.touchedTitles = [];
    if (marks.length) await this.store.markSeenMany(marks);
    if (ids.length || titles.length) await this.store.touchSeenMany(ids, titles, now);
  }
}
