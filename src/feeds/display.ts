/** How an item is named where a headline is needed (alerts, story titles, seen-item keys). */
import { truncateAtWord } from './normalise.js';

/** Longest headline made from the start of a summary. */
const SUMMARY_TITLE_CHARS = 120;

/**
 * The item's headline; for an item without one, the first words of its summary; "(untitled)" when
 * it has neither. The feeds layer keeps a missing title as null: the placeholder is for display.
 */
export function displayTitle(item: { title: string | null; summary: string }): string {
  if (item.title) return item.title;
  const summary = item.summary.trim();
  return summary !== '' ? truncateAtWord(summary, SUMMARY_TITLE_CHARS) : '(untitled)';
}
