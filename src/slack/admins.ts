/**
 * Who may change things: the user ids in CAISI_ADMINS, and the workspace's admins and owners
 * (asked of Slack with users.info, remembered for five minutes).
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';

export function createAdminCheck(client: WebClient, admins: string[], clock: Clock, logger: Logger) {
  const cache = new Map<string, { admin: boolean; until: number }>();
  const isAdmin = async (userId: string): Promise<boolean> => {
    if (admins.includes(userId)) return true;
    const hit = cache.get(userId);
    if (hit && hit.until > clock.now()) return hit.admin;
    try {
      const res = await client.users.info({ user: userId });
      const u = res.user as
        | { is_admin?: boolean; is_owner?: boolean; is_primary_owner?: boolean }
        | undefined;
      const admin = !!(u?.is_admin || u?.is_owner || u?.is_primary_owner);
      cache.set(userId, { admin, until: clock.now() + 5 * 60_000 });
      return admin;
    } catch (err) {
      // When Slack cannot say, the answer is no: a write is refused rather than allowed.
      logger.warn(
        { user: userId, err: (err as Error).message },
        'admin check failed; treating as not an admin',
      );
      return false;
    }
  };
  const whoCanWrite = () =>
    `workspace admins and owners${admins.length ? `, and ${admins.map((a) => `<@${a}>`).join(', ')}` : ''}`;
  return { isAdmin, whoCanWrite };
}
