/**
 * `/caisi …`: parse the text after the command, do what it asks through src/, and say the answer.
 * No Slack I/O here: the handler acks or responds with what this returns.
 */
import { type Answer, knownPrograms, LookupError, resolveLab } from '../answers/answer.js';
import { LOOKUPS, lookup } from '../answers/lookup.js';
import type { Config } from '../config/config-file.js';
import { checkFacts, type FeedCheck, formatCheckSummary } from '../feeds/check.js';
import type { Block } from '../render/alert.js';
import { SHARE_ACTION } from '../render/alert.js';
import { answerFallback, renderAnswerBlocks } from '../render/answer-blocks.js';
import { escapeMrkdwn, mrkdwnText, truncate } from '../render/mrkdwn.js';
import { findLab, findProgram, membership } from '../roster/query.js';
import { membershipStatus, partialDate, type Roster } from '../roster/schema.js';
import type { Store } from '../store/store.js';
import type { FeedRow } from '../store/types.js';
import type { Clock } from '../util/clock.js';

export interface CommandRequest {
  text: string;
  userId: string;
  channelId: string;
}

export interface CommandReply {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
  blocks?: Block[];
  replace_original?: boolean;
}

export interface CommandDeps {
  store: Store;
  roster: () => Promise<Roster>;
  config: Pick<Config, 'allowPrivateFeeds'>;
  clock: Clock;
  isAdmin: (userId: string) => Promise<boolean>;
  /** Who may change things, for refusals: "workspace admins and owners, and <@U1>". */
  whoCanWrite: () => string;
  /** Checks a feed URL added from Slack (scheme, and addresses after DNS unless private feeds are allowed). */
  checkNewFeedUrl: (url: string) => Promise<void>;
  /** Tell the delivery worker that the outbox changed (parked alerts released). */
  wakeDelivery?: () => void;
  /** Fetch these feeds once, now, and judge each (`/caisi feeds check`); absent where not wired. */
  checkFeeds?: (feeds: FeedRow[]) => Promise<FeedCheck[]>;
}

/** "meta (facebook, fb)": a lab's id with the one-word nicknames people may type instead. */
const labHint = (lab: Roster['labs'][number]): string => {
  const others = lab.nicknames.filter((n) => n !== lab.id && !/\s/.test(n)).slice(0, 3);
  return others.length ? `${lab.id} (${others.join(', ')})` : lab.id;
};

/** The `/caisi help` text; the labs and programs come from the roster as it stands. */
export const helpText = (
  roster: Roster,
): string => `*caisi-watch* — who has signed up to government review of frontier AI, and what the news says.
\`/caisi status <lab>\` — a lab's status in each program, since when, sources, latest news
\`/caisi roster [program]\` — who has signed (e.g. \`/caisi roster caisi\`)
\`/caisi timeline [lab|program]\` — dated events with sources
\`/caisi recent [lab] [n]\` — the latest matched stories
\`/caisi history <lab>\` — roster changes made here: who, when, old → new, source
\`/caisi subscribe <lab|program|all|"phrase"> [realtime|daily]\` — alerts for this channel _(admins)_
\`/caisi unsubscribe <lab|program|all|"phrase">\` _(admins)_
\`/caisi feeds [list]\` — feeds and their health; \`feeds add <url>\`, \`feeds remove <id>\` _(admins)_
\`/caisi feeds check\` — fetch every feed now: HTTP status, format, items, newest item, validators, verdict _(admins)_
\`/caisi set <lab> <program> <status> [date] [source-url]\` — correct the roster _(admins)_
Labs: ${escapeMrkdwn(roster.labs.map(labHint).join(', '))}. Programs: ${escapeMrkdwn(roster.programs.map((p) => p.id).join(', '))}. Statuses: ${membershipStatus.options.join(', ')}.`;

const ephemeral = (text: string, blocks?: Block[]): CommandReply => ({
  response_type: 'ephemeral',
  text,
  blocks,
});
/** An ephemeral answer from safe mrkdwn (untrusted parts already escaped). */
const sayMrkdwn = (mrkdwn: string) => ephemeral(mrkdwn, [{ type: 'section', text: mrkdwnText(mrkdwn) }]);
const say = (text: string) => sayMrkdwn(escapeMrkdwn(text));

/** Split command text into words; "double quoted phrases" stay together. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|“([^”]*)”|(\S+)/g;
  for (const m of text.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out.filter((w) => w.length > 0);
}

/** A lookup answer, shown only to the asker, with a button to share it in the channel. */
export function lookupReply(answer: Answer, shareText: string): CommandReply {
  const blocks = renderAnswerBlocks(answer, 48);
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: SHARE_ACTION,
        text: { type: 'plain_text', text: 'Share in channel' },
        value: truncate(shareText, 1900),
      },
    ],
  });
  return { response_type: 'ephemeral', text: answerFallback(answer), blocks };
}

/** The same answer, posted for everyone (the share button's result). */
export function sharedReply(answer: Answer, userId: string): CommandReply {
  const blocks = renderAnswerBlocks(answer, 48);
  if (/^[UW][A-Z0-9]+$/.test(userId))
    blocks.push({ type: 'context', elements: [mrkdwnText(`Shared by <@${userId}> with /caisi`)] });
  return { response_type: 'in_channel', text: answerFallback(answer), blocks, replace_original: false };
}

export async function runCaisiCommand(req: CommandRequest, deps: CommandDeps): Promise<CommandReply> {
  const words = tokenize(req.text.slice(0, 2000));
  const sub = (words[0] ?? 'help').toLowerCase();
  try {
    if (sub === 'help' || sub === '?') {
      const help = helpText(await deps.roster());
      return ephemeral(help, [{ type: 'section', text: mrkdwnText(help) }]);
    }
    if (LOOKUPS.has(sub)) return lookupReply(await lookup(words, deps), words.join(' '));
    if (sub === 'feeds' && (!words[1] || words[1].toLowerCase() === 'list'))
      return feedsList(await deps.store.listFeeds());
    if (sub === 'subscribe' || sub === 'unsubscribe' || sub === 'feeds' || sub === 'set') {
      if (!(await deps.isAdmin(req.userId)))
        // whoCanWrite() is mrkdwn: it mentions the configured admins (<@U…>), so it is not escaped.
        return sayMrkdwn(
          `Only admins can use "${escapeMrkdwn(truncate(`${sub}${sub === 'feeds' ? ` ${words[1] ?? ''}` : ''}`, 40))}": ${deps.whoCanWrite()}. Nothing was changed.`,
        );
      if (sub === 'subscribe') return await subscribe(words.slice(1), req, deps);
      if (sub === 'unsubscribe') return await unsubscribe(words.slice(1), req, deps);
      if (sub === 'set') return await setStatus(words.slice(1), req, deps);
      return await feedsWrite(words.slice(1), req, deps);
    }
    return say(`Unknown command "${truncate(sub, 40)}". Try \`/caisi help\`.`);
  } catch (err) {
    if (err instanceof LookupError) return say(err.message);
    throw err;
  }
}

/** `all`, a lab, a program, or a quoted phrase → a subscription target. */
function target(words: string[], r: Roster): { target: string; label: string } {
  const text = words.join(' ').trim();
  if (!text) throw new LookupError('Subscribe to what? A lab, a program, `all`, or a "quoted phrase".');
  if (text.toLowerCase() === 'all') return { target: 'all', label: 'all alerts' };
  const program = findProgram(r, text);
  if (program) return { target: program.id, label: program.name };
  const lab = findLab(r, text);
  if (lab) return { target: lab.id, label: lab.name };
  const phrase = text.replace(/\s+/g, ' ');
  if (phrase.length < 3 || phrase.length > 100)
    throw new LookupError('A keyword phrase must be 3 to 100 characters.');
  if (!/[\p{L}\p{N}]/u.test(phrase)) throw new LookupError('A keyword phrase needs letters or digits.');
  return { target: `phrase:${phrase.toLowerCase()}`, label: `the phrase "${phrase}"` };
}

async function subscribe(args: string[], req: CommandRequest, deps: CommandDeps): Promise<CommandReply> {
  const last = args[args.length - 1]?.toLowerCase();
  const mode = last === 'daily' || last === 'realtime' ? last : 'realtime';
  const words = last === 'daily' || last === 'realtime' ? args.slice(0, -1) : args;
  const { target: t, label } = target(words, await deps.roster());
  await deps.store.subscribe(
    { channel: req.channelId, target: t, mode, createdBy: req.userId },
    new Date(deps.clock.now()).toISOString(),
  );
  // Subscribing again after inviting the bot is how admins release alerts parked for this channel.
  const released = await deps.store.unpark(req.channelId, new Date(deps.clock.now()).toISOString());
  if (released) deps.wakeDelivery?.();
  await deps.store.audit({
    at: new Date(deps.clock.now()).toISOString(),
    actor: req.userId,
    action: 'subscribe',
    lab: null,
    program: null,
    oldStatus: null,
    newStatus: null,
    source: null,
    detail: `${req.channelId} ${t} ${mode}`,
  });
  return say(
    `This channel is subscribed to ${label}, ${mode === 'daily' ? 'as a daily digest' : 'in real time'}.${released ? ` ${released} parked alert(s) will be posted now.` : ''} Invite the bot to the channel if it is private.`,
  );
}

async function unsubscribe(args: string[], req: CommandRequest, deps: CommandDeps): Promise<CommandReply> {
  const { target: t, label } = target(args, await deps.roster());
  const removed = await deps.store.unsubscribe(req.channelId, t);
  if (removed)
    await deps.store.audit({
      at: new Date(deps.clock.now()).toISOString(),
      actor: req.userId,
      action: 'unsubscribe',
      lab: null,
      program: null,
      oldStatus: null,
      newStatus: null,
      source: null,
      detail: `${req.channelId} ${t}`,
    });
  return say(
    removed ? `This channel no longer gets ${label}.` : `This channel was not subscribed to ${label}.`,
  );
}

/** Slack may wrap URLs typed in a command as <https://…> or <https://…|label>. */
export const unwrapUrl = (s: string) => s.replace(/^<([^|>]+)(\|[^>]*)?>$/, '$1');

async function setStatus(args: string[], req: CommandRequest, deps: CommandDeps): Promise<CommandReply> {
  const r = await deps.roster();
  const usage =
    'Usage: `/caisi set <lab> <program> <status> [date] [source-url]`, e.g. `/caisi set meta caisi signed 2026-07-01 https://…`';
  if (args.length < 3) throw new LookupError(`Missing arguments. ${usage}`);
  const [labQ = '', programQ = '', statusQ = '', ...rest] = args;
  const lab = resolveLab(r, labQ);
  const program = findProgram(r, programQ);
  if (!program)
    throw new LookupError(
      `Unknown program "${truncate(programQ, 60)}". Known programs: ${knownPrograms(r)}.`,
    );
  const status = membershipStatus.safeParse(statusQ.toLowerCase());
  if (!status.success)
    throw new LookupError(
      `Unknown status "${truncate(statusQ, 40)}". Use one of: ${membershipStatus.options.join(', ')}.`,
    );
  let since: string | null = null;
  let sourceUrl: string | null = null;
  for (const word of rest) {
    const w = unwrapUrl(word);
    if (partialDate.safeParse(w).success && !since) since = w;
    else if (/^https?:\/\//i.test(w) && !sourceUrl) {
      try {
        sourceUrl = new URL(w).href;
      } catch {
        throw new LookupError(`"${truncate(w, 80)}" is not a valid URL.`);
      }
    } else throw new LookupError(`Did not understand "${truncate(word, 60)}". ${usage}`);
  }
  const now = new Date(deps.clock.now()).toISOString();
  const old = membership(r, lab.id, program.id)?.status ?? null;
  await deps.store.setMembership(
    {
      lab: lab.id,
      program: program.id,
      status: status.data,
      since,
      sourceUrl,
      sourceTitle: null,
      setBy: req.userId,
      setAt: now,
    },
    old,
    'set',
  );
  return say(
    `${lab.name} in ${program.short}: ${old ?? 'no record'} → ${status.data}${since ? ` since ${since}` : ''}. Recorded in the audit log${sourceUrl ? ' with its source' : ' (no source given)'}; see \`/caisi history ${lab.id}\`.`,
  );
}

/** `/caisi feeds check` fetches every feed: slow, so the handler acks at once and answers later. */
export function isSlowCommand(text: string): boolean {
  const [sub = '', action = ''] = tokenize(text.slice(0, 200)).map((w) => w.toLowerCase());
  return sub === 'feeds' && action === 'check';
}

async function feedsWrite(args: string[], req: CommandRequest, deps: CommandDeps): Promise<CommandReply> {
  const [action = '', value = ''] = args;
  if (action.toLowerCase() === 'check') return feedsCheck(deps);
  const now = new Date(deps.clock.now()).toISOString();
  if (action.toLowerCase() === 'add') {
    const url = unwrapUrl(value);
    if (!url) throw new LookupError('Usage: `/caisi feeds add <url>`');
    await deps.checkNewFeedUrl(url);
    const normalized = new URL(url).href;
    const { feed, created } = await deps.store.addFeed(normalized, req.userId, now);
    await deps.store.audit({
      at: now,
      actor: req.userId,
      action: 'feed-add',
      lab: null,
      program: null,
      oldStatus: null,
      newStatus: null,
      source: normalized,
      detail: `feed ${feed.id}`,
    });
    return say(
      created
        ? `Added feed ${feed.id}: ${normalized}. It is polled from the next cycle; its first poll only alerts items from the last 24 hours.`
        : `Feed ${feed.id} is already in the list (${normalized})${feed.enabled ? '' : '; it has been re-enabled'}.`,
    );
  }
  if (action.toLowerCase() === 'remove') {
    const id = Number(value.replace(/^#/, ''));
    if (!Number.isInteger(id) || id <= 0)
      throw new LookupError('Usage: `/caisi feeds remove <id>` (ids are in `/caisi feeds list`)');
    const feed = await deps.store.removeFeed(id);
    if (!feed) throw new LookupError(`No feed with id ${id}. See \`/caisi feeds list\`.`);
    await deps.store.audit({
      at: now,
      actor: req.userId,
      action: 'feed-remove',
      lab: null,
      program: null,
      oldStatus: null,
      newStatus: null,
      source: feed.url,
      detail: `feed ${id}`,
    });
    return say(`Removed feed ${id} (${feed.url}). Items it already delivered stay in the store.`);
  }
  throw new LookupError('Usage: `/caisi feeds [list | check | add <url> | remove <id>]`');
}

const ago = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : 'never');

export function feedHealthLine(f: FeedRow): string {
  const state = !f.enabled
    ? `disabled (${f.disabledReason ?? 'unknown'})`
    : f.consecutiveErrors > 0
      ? `failing ×${f.consecutiveErrors}`
      : f.lastSuccessAt
        ? 'ok'
        : 'not polled yet';
  const err = f.lastError
    ? `; last error ${ago(f.lastErrorAt)}: ${f.lastErrorCode ?? ''} ${f.lastError}`
    : '';
  return `#${f.id} ${f.title ?? f.url} — ${state}; last success ${ago(f.lastSuccessAt)}${err}`;
}

function feedsList(feeds: FeedRow[]): CommandReply {
  const answer: Answer = {
    title: `Feeds (${feeds.filter((f) => f.enabled).length} enabled of ${feeds.length})`,
    sections: [
      {
        lines: feeds.length
          ? feeds.map((f) => ({ text: feedHealthLine(f), detail: f.url }))
          : [{ text: 'No feeds yet. Admins can add one with `/caisi feeds add <url>`.' }],
      },
    ],
  };
  return { response_type: 'ephemeral', text: answerFallback(answer), blocks: renderAnswerBlocks(answer, 48) };
}

const VERDICT_MARK = { ok: '✅', warning: '⚠️', unusable: '⛔' } as const;

/** `/caisi feeds check`: every feed in the store, fetched now, with a verdict each. */
async function feedsCheck(deps: CommandDeps): Promise<CommandReply> {
  const feeds = await deps.store.listFeeds();
  if (feeds.length === 0) return say('No feeds yet. Admins can add one with `/caisi feeds add <url>`.');
  if (!deps.checkFeeds) return say('Feed checks are not available here.');
  const checks = await deps.checkFeeds(feeds);
  const lines = checks.map((c, i) => {
    const feed = feeds[i] as FeedRow;
    const facts = checkFacts(c);
    const reasons = c.verdict.reasons.map((r) => `${c.verdict.level}: ${r}`);
    return {
      text: `${VERDICT_MARK[c.verdict.level]} #${feed.id} ${feed.title ?? feed.url}${feed.enabled ? '' : ' (disabled)'} — ${c.verdict.level}; ${facts.fetched}`,
      detail: [...(feed.title ? [feed.url] : []), ...(c.error ? [] : [facts.validators]), ...reasons].join(
        ' — ',
      ),
    };
  });
  const answer: Answer = {
    title: truncate(`Feed check: ${formatCheckSummary(checks)}`, 150),
    sections: [{ lines }],
  };
  return { response_type: 'ephemeral', text: answerFallback(answer), blocks: renderAnswerBlocks(answer, 48) };
}
