/**
 * How rare a word is (pure): inverse document frequency over the headlines of the items the bot
 * alerted on lately (rare among AI-policy news, not among all news), on top of a small bundled background (seeds/stories.yaml) so that
 * the first items of a fresh install are weighed sensibly too. Tracked labs' own names weigh
 * nothing: every Meta story says "Meta", so the name tells nothing about which Meta story it is (the
 * labs are compared as entities instead). Programs' names count as frequent words.
 */
import type { StoryWords } from './story-words.js';

export class Rarity {
  private readonly df = new Map<string, number>();
  private docs = 0;
  private readonly background: Map<string, number>;

  private readonly ignored: ReadonlySet<string>;

  constructor(
    /** The word lists the rarity was built from; pair features read the compatible actors here too. */
    readonly words: StoryWords,
    names: { ignore?: Iterable<string>; frequent?: Iterable<string> } = {},
  ) {
    this.background = new Map(words.background);
    const share = Math.round(words.backgroundDocuments / 4);
    for (const t of names.frequent ?? [])
      this.background.set(t, Math.max(this.background.get(t) ?? 0, share));
    this.ignored = new Set(names.ignore ?? []);
  }

  /** idf by term, for the counts as they stand (cleared by every add). */
  private readonly cache = new Map<string, number>();

  /** Count one document (an item's headline terms). */
  add(terms: Iterable<string>): void {
    this.cache.clear();
    this.docs++;
    for (const t of new Set(terms)) this.df.set(t, (this.df.get(t) ?? 0) + 1);
  }

  get documents(): number {
    return this.docs;
  }

  /** 0 for an ignored term. */
  idf(term: string): number {
    let v = this.cache.get(term);
    if (v === undefined) {
      if (this.ignored.has(term)) v = 0;
      else {
        const n = this.docs + this.words.backgroundDocuments;
        const df = (this.df.get(term) ?? 0) + (this.background.get(term) ?? 0);
        v = Math.log((n + 1) / (df + 1));
      }
      this.cache.set(term, v);
    }
    return v;
  }
}
