/** Reads and validates seeds/stories.yaml, once; errors name the file, the path and the problem. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatPath, SeedError, seedsDir } from '../roster/load.js';
import { compileStoryWords, type StoryWords, storyWordsSchema } from './story-words.js';

export const defaultStoryWordsPath = (): string => path.join(seedsDir(), 'stories.yaml');

export function parseStoryWords(text: string, file: string): StoryWords {
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new SeedError(
      file,
      '',
      `not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : err}`,
    );
  }
  const result = storyWordsSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SeedError(file, formatPath(issue?.path ?? []), issue?.message ?? 'invalid');
  }
  return compileStoryWords(result.data);
}

let bundled: StoryWords | undefined;

/** The bundled word lists, read on first use and kept. */
export function loadStoryWords(file?: string): StoryWords {
  if (file) return parseStoryWords(readText(file), file);
  bundled ??= parseStoryWords(readText(defaultStoryWordsPath()), defaultStoryWordsPath());
  return bundled;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new SeedError(file, '', `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
