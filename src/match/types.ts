/** What the matcher found in one item. */
export interface Evidence {
  entity: string;
  kind: 'lab' | 'program' | 'topic';
  /** Which field the span is in, and its [start, end) offsets there. */
  field: 'title' | 'summary';
  start: number;
  end: number;
  text: string;
}

export interface MatchResult {
  labs: string[];
  programs: string[];
  topics: string[];
  alert: boolean;
  /** One short reason for the alert decision, for logs and the CLI. */
  reason: string;
  evidence: Evidence[];
  /**
   * The roster's voluntary review program (the first of kind `voluntary-review`): what an item
   * that describes the government's review without naming it is about.
   */
  reviewProgram?: string;
}
