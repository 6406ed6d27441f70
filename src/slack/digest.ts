/**
 * Daily digest for channels subscribed with `daily`: at the configured hour in the configured
 * time zone, the day's stories grouped by lab with the roster line; nothing when nothing happened.
 */
import { channelsFor } from '../pipeline/route.js';
import { contextLines, labNames } from '../render/alert.js';
import { escapeMrkdwn, safeLink, truncate } from '../render/mrkdwn.js';
import type { Roster } from '../roster/schema.js';
import type { Store } from '../store/store.js';
import type { StoryRow } from '../store/types.js';

/** The local calendar day and hour of an instant in a time zone. */
export function localDayHour(ms: number, timeZone: string): { day: string; hour: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return { day: `${get('year')}-${get('month')}-${get('day')}`, hour: Number(get('hour')) };
}

/**
 * Queue today's digests that are due. Each channel's day is claimed once, so a restart or a
 * second check never sends a second digest.
 */
export async function queueDueDigests(
  store: Store,
  nowMs: number,
  digest: { hour: number; timeZone: string },
): Promise<number> {
  const { day, hour } = localDayHour(nowMs, digest.timeZone);
  if (hour < digest.hour) return 0;
  const subs = (await store.subscriptions()).filter((s) => s.mode === 'daily');
  const channels = [...new Set(subs.map((s) => s.channel))];
  const now = new Date(nowMs).toISOString();
  const stories = await store.storiesBetween(new Date(nowMs - 86_400_000).toISOString(), now);
  let queued = 0;
  for (const channel of channels) {
    if (!(await store.claimDigest(channel, day, now))) continue;
    const mine = stories.filter((s) =>
      channelsFor(
        s,
        subs.filter((x) => x.channel === channel),
        'daily',
      ).includes(channel),
    );
    if (mine.length === 0) continue;
    await store.enqueue(
      {
        key: `digest:${channel}:${day}`,
        kind: 'digest',
        storyId: null,
        channel,
        payload: { day, storyIds: mine.map((s) => s.id) },
      },
      now,
    );
    queued++;
  }
  return queued;
}

/** The digest as mrkdwn text: one group per lab, each with its roster line and stories. */
export async function renderDigest(
  r: Roster,
  store: Store,
  payload: Record<string, unknown>,
): Promise<string> {
  const ids = Array.isArray(payload.storyIds) ? (payload.storyIds as number[]) : [];
  const stories: StoryRow[] = [];
  for (const id of ids) {
    const s = await store.story(id);
    if (s) stories.push(s);
  }
  if (stories.length === 0) return '';
  const groups = new Map<string, StoryRow[]>();
  for (const s of stories) {
    const key = s.labs[0] ?? s.programs[0] ?? 'other';
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const out = [
    `*caisi-watch daily digest — ${escapeMrkdwn(String(payload.day ?? ''))}* (${stories.length} stor${stories.length === 1 ? 'y' : 'ies'})`,
  ];
  for (const [key, list] of groups) {
    const name = labNames(r, [key])[0] ?? key;
    out.push('', `*${escapeMrkdwn(name)}*`);
    const line = contextLines(r, list[0] as StoryRow)[0];
    if (line) out.push(`_${escapeMrkdwn(line)}_`);
    for (const s of list)
      out.push(
        `• ${safeLink(s.sources[0]?.link, truncate(s.title, 200))} — ${escapeMrkdwn(s.sources.map((x) => x.outlet).join(', '))}`,
      );
  }
  return out.join('\n');
}
