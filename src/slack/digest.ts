/**
 * Daily digest for channels subscribed with `daily`: at the configured hour in the configured
 * time zone, the day's stories grouped by lab with the roster line; nothing when nothing happened.
 */
import { channelsFor } from '../pipeline/route.js';
import { contextLines, labNames } from '../render/alert.js';
import { escapeMrkdwn, safeLink, truncate } from '../render/mrkdwn.js';
import type { Roster } from '../roster/schema.js';
import type { SqliteStore } from '../store/sqlite-store.js';
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
export function queueDueDigests(
  store: SqliteStore,
  nowMs: number,
  digest: { hour: number; timeZone: string },
): number {
  const { day, hour } = localDayHour(nowMs, digest.timeZone);
  if (hour < digest.hour) return 0;
  const subs = store.subscriptions().filter((s) => s.mode === 'daily');
  const channels = [...new Set(subs.map((s) => s.channel))];
  const now = new Date(nowMs).toISOString();
  const stories = store.storiesBetween(new Date(nowMs - 86_400_000).toISOString(), now);
  let queued = 0;
  for (const channel of channels) {
    if (!store.claimDigest(channel, day, now)) continue;
    const mine = stories.filter((s) =>
      channelsFor(
        s,
        subs.filter((x) => x.channel === channel),
        'daily',
      ).includes(channel),
    );
    if (mine.length === 0) continue;
    store.enqueue(
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
export function renderDigest(r: Roster, store: SqliteStore, payload: Record<string, unknown>): string {
  const ids = Array.isArray(payload.storyIds) ? (payload.storyIds as number[]) : [];
  const stories = ids.map((id) => store.story(id)).filter((s): s is StoryRow => !!s);
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
