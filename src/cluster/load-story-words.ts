/**
 * Reads and validates seeds/stories.yaml and the model's trees beside it, once; errors name the
 * file, the path and the problem.
 */
import path from 'node:path';
import { parseSeedText, readSeedText, SeedError, seedsDir, validateSeed } from '../roster/load.js';
import { boostedTreesSchema } from './boosted.js';
import { PAIR_FEATURES } from './cluster.js';
import { compileStoryWords, type StoryWords, storyWordsSchema } from './story-words.js';

export const defaultStoryWordsPath = (): string => path.join(seedsDir(), 'stories.yaml');

/**
 * `refitting`: the fit script's load, which needs the word lists but not the model it is about to
 * replace; trees fitted on other features then give way to an empty model.
 */
export function parseStoryWords(text: string, file: string, refitting = false): StoryWords {
  const words = validateSeed(storyWordsSchema, parseSeedText(text, file), file);
  const treesFile = path.join(path.dirname(file), words.model.trees);
  const trees = validateSeed(
    boostedTreesSchema,
    parseSeedText(readSeedText(treesFile), treesFile),
    treesFile,
  );
  // The trees must ask about exactly the pair features this build computes, in its order.
  if (trees.features.join() !== PAIR_FEATURES.join()) {
    if (refitting)
      return compileStoryWords(words, { features: [...PAIR_FEATURES], base: 0, offsets: {}, trees: [] });
    throw new SeedError(
      treesFile,
      'features',
      `the model was fitted on ${trees.features.join(', ')}, but this build computes ${PAIR_FEATURES.join(', ')}: refit it (node dist/test/fit-story-model.js --write)`,
    );
  }
  return compileStoryWords(words, trees);
}

let bundled: StoryWords | undefined;

/** The bundled word lists, read on first use and kept; or another file's, read each time. */
export function loadStoryWords(file?: string, refitting = false): StoryWords {
  if (file || refitting) {
    const f = file ?? defaultStoryWordsPath();
    return parseStoryWords(readSeedText(f), f, refitting);
  }
  bundled ??= parseStoryWords(readSeedText(defaultStoryWordsPath()), defaultStoryWordsPath());
  return bundled;
}
