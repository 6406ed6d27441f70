/**
 * Reads an item as a roster change ("Meta signs CAISI agreement", "xAI withdraws from the federal
 * review") and proposes it for an admin to confirm. Pure and deliberately conservative: a wrong
 * proposal costs an admin's attention, a missed one only means the roster is edited by hand.
 *
 * A change is proposed only when, in the title or the first two sentences of the summary:
 * - a tracked lab is the grammatical subject, directly followed (allowing "has", "officially",
 *   "says it", an appositive between commas...) by a verb in the present or past tense: signs,
 *   joins, agrees to, commits to, withdraws from, pulls out of, suspends its participation...;
 *   or a program is the subject and signs an agreement "with" the lab;
 * - what follows the verb names a program, or reads as the government's voluntary review
 *   ("federal pre-release review", "government testing", "let evaluators test its models"), in
 *   which case the program is the roster's voluntary review program (`match.reviewProgram`);
 * - the sentence is not a question, and has no hedge, condition, denial or negation ("hopes",
 *   "expects", "may", "if", "would", "denies", "not", "refuses", "in talks") and no sign of being
 *   background ("already", "in 2024", "last year").
 * "Meta hopes to sign soon", "Meta is urged to sign", "Will Meta sign?" therefore propose nothing.
 */

import { decodedOffset, decodeEntities } from '../text/entities.js';
import { splitSentences } from '../text/sentences.js';
import type { Evidence, MatchResult } from './types.js';

export type ProposedStatus = 'signed' | 'withdrawn' | 'suspended';

export interface ProposedChange {
  lab: string;
  program: string;
  status: ProposedStatus;
  /** The sentence the change was read from. */
  evidence: string;
}

export interface RosterChangeInput {
  title: string;
  summary?: string | null;
}

const DAY = '(?:mon|tues|wednes|thurs|fri|satur|sun)day';
const FILLER = String.raw`(?:has|have|officially|formally|finally|now|quietly|also|reportedly|today|this\s+week|on\s+${DAY}|${DAY}|(?:says|said|confirms|confirmed|announces|announced)(?:\s+(?:on\s+)?${DAY})?(?:\s+that)?\s+it)`;
const LEAD = String.raw`^(?:['’]s?\s*)?(?:\s*,[^,;:]{1,80},)?\s+(?:(?:Inc|Corp|Ltd|LLC)\.?,?\s+)?(?:${FILLER}\s+)*`;

const SIGN_VERB = String.raw`signs?|signed|inks?|inked|joins?|joined|agrees?\s+to|agreed\s+to|commits?\s+to|committed\s+to|enters?\s+into|entered\s+into|reaches|reached|strikes?|struck|finali[sz]es|finali[sz]ed|opts?\s+in(?:to)?|opted\s+in(?:to)?|accepts?|accepted|submits?|submitted|(?:becomes|became)\s+(?:the\s+)?(?:last|latest|sixth|seventh|final|newest|next)\b[^,;:.]{0,60}?\bto\s+(?:sign|join)`;
const WITHDRAW_VERB = String.raw`withdraws?\s+from|withdrew\s+from|pulls?\s+out\s+of|pulled\s+out\s+of|exits?|exited|quits?|leaves|left|backs?\s+out\s+of|backed\s+out\s+of|drops?\s+out\s+of|dropped\s+out\s+of|walks?\s+away\s+from|walked\s+away\s+from|abandons?|abandoned|terminates?|terminated|ends|ended|cancels?|cancell?ed|scraps?|scrapped|rescinds?|rescinded|revokes?|revoked`;
const SUSPEND_VERB = 'suspends?|suspended|pauses?|paused|halts?|halted|freezes|froze';

const VERBS: { status: ProposedStatus; re: RegExp }[] = [
  { status: 'signed', re: new RegExp(`${LEAD}(${SIGN_VERB})\\b`, 'i') },
  { status: 'withdrawn', re: new RegExp(`${LEAD}(${WITHDRAW_VERB})\\b`, 'i') },
  { status: 'suspended', re: new RegExp(`${LEAD}(${SUSPEND_VERB})\\b`, 'i') },
];

/** "xAI's participation in the review is suspended" */
const SUSPENDED_POSSESSIVE =
  /^['’]s?\s+(?:participation|membership|agreement|involvement|cooperation)\b[^.;:]{0,60}?\b(?:is|was|has\s+been|been)?\s*(suspended|paused|frozen)\b/i;

/** What "agrees to ..." must not be followed by: talking about it is not agreeing to it. */
const NOT_AFTER_AGREE =
  /^\s+(?:discuss|consider|explore|negotiate|talk|talks|weigh|study|meet|continue|keep|resume|review\s+the\s+terms|think)\b/i;

/**
 * What "ends ..." must not be followed by: a lab that ends its own holdout or standoff is giving in,
 * not withdrawing ("Meta ends holdout, agrees to let government vet its AI").
 */
const NOT_AFTER_END =
  /^\s+(?:its\s+|a\s+|the\s+|their\s+)?(?:[\w-]+-long\s+|long\s+|lonely\s+|last\s+)?(?:holdout|standoff|stand-off|resistance|opposition|fight|feud|dispute|refusal|boycott|objections?|stalemate|impasse|hold-out)\b/i;

/** Suspending must be of the lab's participation, not of a product ("suspends access to Fable 5"). */
const SUSPEND_OBJECT =
  /^\s+(?:its\s+|their\s+)?(?:participation|cooperation|involvement|membership|agreement|testing\s+agreement|review\s+agreement)\b/i;

/** The object reads as the government's voluntary review of models. */
const REVIEW_OBJECT: RegExp[] = [
  /\b(?:pre-?release|pre-?deployment|federal|government(?:['’]s)?|voluntary|U\.?S\.?|Washington(?:['’]s)?|administration(?:['’]s)?|White\s+House(?:['’]s)?|Commerce(?:\s+Department)?(?:['’]s)?)\b[^.;:]{0,40}?\b(?:review|reviews|testing|tests|evaluations?|vetting|checks|scrutiny|oversight)\b/i,
  /\b(?:national[-\s]security|security|safety)\s+(?:review|reviews|testing|evaluations?|vetting|checks)\b/i,
  /\b(?:share|submit|open|hand|give|provide)\b[^.;:]{0,50}\b(?:models?|AI|systems?)\b[^.;:]{0,50}\b(?:government|federal|Washington|officials|evaluators|testers|regulators)\b/i,
  /\b(?:let|allow|give)\s+(?:the\s+)?(?:U\.?S\.?\s+|federal\s+)?(?:government|officials|evaluators|testers)\b[^.;:]{0,30}\b(?:test|review|evaluate|vet|inspect|access)/i,
  /\b(?:early|pre-?release|advance)\s+access\b/i,
  /\bvoluntary\s+(?:AI\s+)?(?:review\s+|testing\s+|safety\s+)?(?:agreement|pact|deal|program|programme|framework)\b/i,
];

/** Words just before the lab that make it something other than the subject of a fact. */
const BAD_BEFORE =
  /\b(?:other|than|unlike|like|including|if|whether|unless|until|before|once|when|after|as|urges?|urged|presses|pressed|pushes|pushed|asks|asked|wants|wanted|forces?|forced|lets?|makes?|made|why|how|could|would|will|should|might|may|can|not|nor)\s+(?:the\s+)?$/i;

/** Hedges, conditions, denials and negations anywhere in the sentence. */
const HEDGE =
  /\b(?:if|whether|unless|would|could|might|should|deny|denies|denied|false|rumou?rs?|speculation|no\s+plans|plans?\s+to|planning\s+to|hopes?|hoping|expects?|expected|expecting|intends?|aims?\s+to|threaten\w*|consider\w*|mull\w*|weigh\w*|poised|set\s+to|nears?|close\s+to|not|never|yet\s+to|refus\w*|declin\w*|reject\w*)\b|n['’]t\b/i;
/** "may" the modal, not "May" the month. */
const MODAL_MAY = /\bmay\b/;
const BACKGROUND =
  /\b(?:already|previously|had\s+(?:signed|joined|agreed)|back\s+in|last\s+year|years?\s+ago|in\s+(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+)?(?:19|20)\d\d|since\s+(?:19|20)\d\d)\b/i;
const QUESTION_START =
  /^\W*(?:will|would|could|should|can|does|did|do|is|are|has|have|why|when|whether|how|what\s+if)\b/i;

/** A program is the subject and signs an agreement with the lab(s) that follow. */
const PROGRAM_SIGNS_WITH = new RegExp(
  String.raw`^(?:['’]s?)?\s+(?:${FILLER}\s+)*(?:signs?|signed|inks?|inked|reaches|reached|strikes?|struck|finali[sz]es|finali[sz]ed)\b[^.;:?]{0,60}?\b(?:agreements?|deals?|pacts?|memorand(?:um|a)|contracts?)\b[^.;:?]{0,60}?\bwith\s+(?:the\s+)?$`,
  'i',
);

interface Span {
  id: string;
  start: number;
  end: number;
}

function spansOf(
  evidence: Evidence[],
  field: 'title' | 'summary',
  kind: 'lab' | 'program',
  map: (o: number) => number,
) {
  return evidence
    .filter((e) => e.field === field && e.kind === kind)
    .map((e): Span => ({ id: e.entity, start: map(e.start), end: map(e.end) }))
    .sort((a, b) => a.start - b.start);
}

function pickProgram(
  programs: Span[],
  from: number,
  to: number,
  review: string | undefined,
): string | undefined {
  const inside = programs.filter((p) => p.start >= from && p.end <= to).map((p) => p.id);
  if (review !== undefined && inside.includes(review)) return review;
  return inside[0];
}

const readsAsReview = (text: string): boolean => REVIEW_OBJECT.some((re) => re.test(text));

/** Every change the item proposes (one per lab), in the order found. */
export function detectRosterChanges(item: RosterChangeInput, match: MatchResult): ProposedChange[] {
  if (match.labs.length === 0) return [];
  const found: ProposedChange[] = [];
  const seen = new Set<string>();
  const fields: ['title' | 'summary', string][] = [
    ['title', item.title ?? ''],
    ['summary', item.summary ?? ''],
  ];
  for (const [field, original] of fields) {
    if (!original) continue;
    const decoded = decodeEntities(original);
    const text = decoded.text;
    const toDecoded = (o: number) => decodedOffset(decoded, o);
    const labs = spansOf(match.evidence, field, 'lab', toDecoded);
    if (labs.length === 0) continue;
    const programs = spansOf(match.evidence, field, 'program', toDecoded);
    const sentences = field === 'title' ? [{ start: 0, end: text.length }] : splitSentences(text).slice(0, 2);
    for (const s of sentences) {
      for (const change of readSentence(text, s.start, s.end, labs, programs, match.reviewProgram)) {
        const key = `${change.lab}/${change.program}/${change.status}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push(change);
      }
    }
  }
  return found;
}

/** The first change the item proposes, or null. */
export function detectRosterChange(item: RosterChangeInput, match: MatchResult): ProposedChange | null {
  return detectRosterChanges(item, match)[0] ?? null;
}

function readSentence(
  text: string,
  start: number,
  end: number,
  allLabs: Span[],
  allPrograms: Span[],
  review: string | undefined,
) {
  const sentence = text.slice(start, end).trim();
  const out: ProposedChange[] = [];
  if (sentence.endsWith('?') || QUESTION_START.test(sentence)) return out;
  if (BACKGROUND.test(sentence)) return out;
  const hedged = (t: string) => HEDGE.test(t) || MODAL_MAY.test(t);
  const labs = allLabs.filter((l) => l.start >= start && l.end <= end);
  const programs = allPrograms.filter((p) => p.start >= start && p.end <= end);
  const evidence = sentence.length > 280 ? `${sentence.slice(0, 279)}…` : sentence;

  // Group coordinated subjects: "Google DeepMind, Microsoft and xAI sign ..."
  const groups: Span[][] = [];
  for (const lab of labs) {
    const last = groups.at(-1)?.at(-1);
    if (last && /^\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s+&\s+)$/i.test(text.slice(last.end, lab.start))) {
      groups.at(-1)?.push(lab);
    } else if (last && last.id === lab.id && text.slice(last.end, lab.start).trim() === '') {
      // "Meta Platforms" style double hit
      (groups.at(-1) as Span[])[(groups.at(-1) as Span[]).length - 1] = { ...last, end: lab.end };
    } else {
      groups.push([lab]);
    }
  }

  for (const group of groups) {
    const first = group[0] as Span;
    const last = group.at(-1) as Span;
    const ids = [...new Set(group.map((g) => g.id))];
    const before = text.slice(start, first.start);
    const rest = text.slice(last.end, end);
    // An appositive right after the subject ("Meta, the last lab that had not signed, joins ...")
    // describes the past; the hedge test reads the clause without it.
    const appositive = /^(?:['’]s?)?\s*,[^,;:]{1,80},/.exec(rest)?.[0] ?? '';
    if (hedged(before) || hedged(rest.slice(appositive.length))) continue;

    // A program signs agreements with the group: "U.S. AI Safety Institute signs agreements with OpenAI and Anthropic"
    const subject = programs.filter((p) => p.end <= first.start).at(-1);
    if (subject && PROGRAM_SIGNS_WITH.test(text.slice(subject.end, first.start))) {
      for (const lab of ids) out.push({ lab, program: subject.id, status: 'signed', evidence });
      continue;
    }

    if (BAD_BEFORE.test(before)) continue;

    const possessive = SUSPENDED_POSSESSIVE.exec(rest);
    if (possessive) {
      const program =
        pickProgram(programs, last.end, end, review) ?? (readsAsReview(rest) ? review : undefined);
      if (program) for (const lab of ids) out.push({ lab, program, status: 'suspended', evidence });
      continue;
    }
    if (/^['’]/.test(rest)) continue; // "Meta's rivals signed ..." — the lab is not the subject

    for (const { status, re } of VERBS) {
      const m = re.exec(rest);
      if (!m) continue;
      const verb = (m[1] as string).toLowerCase();
      const objectStart = last.end + m[0].length;
      const object = text.slice(objectStart, end);
      if (/^(?:agree|commit)/.test(verb) && NOT_AFTER_AGREE.test(object)) break;
      if (/^end/.test(verb) && NOT_AFTER_END.test(object)) break;
      if (status === 'suspended' && !SUSPEND_OBJECT.test(object)) break;
      let program = pickProgram(programs, objectStart, end, review);
      if (!program && readsAsReview(object)) program = review;
      if (!program && object.trim().split(/\s+/).filter(Boolean).length <= 3) {
        // "CAISI deal: Meta signs on"
        program = pickProgram(programs, start, end, review);
      }
      if (program) for (const lab of ids) out.push({ lab, program, status, evidence });
      break;
    }
  }
  return out;
}
