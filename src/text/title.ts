/** Lower-case, punctuation and symbols removed, whitespace collapsed: for "same title" comparisons. */
export function normaliseTitle(title: string): string {
  if (typeof title !== 'string') return '';
  return title
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['\u2018\u2019\u02bc`]/g, '')
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
