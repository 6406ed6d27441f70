/** Reads and validates seeds/stories.yaml, once; errors name the file, the path and the problem. */
import path from 'node:path';
import { parseSeedText, readSeedText, seedsDir, validateSeed } from '../roster/load.js';
import { compileStoryWords, type StoryWords, storyWordsSchema } from './story-words.js';

export const defaultStoryWordsPath = (): string => path.join(seedsDir(), 'stories.yaml');

export function parseStoryWords(text: string, file: string): StoryWords {
  return compileStoryWords(validateSeed(storyWordsSchema, parseSeedText(text, file), file));
}

let bundled: StoryWords | undefined;

/** The bundled word lists, read on first use and kept; or another file's, read each time. */
export function loadStoryWords(file?: string): StoryWords {
  if (file) return parseStoryWords(readSeedText(file), file);
  bundled ??= parseStoryWords(readSeedText(defaultStoryWordsPath()), defaultStoryWordsPath());
  return bundled;
}
