/**
 * Deciding a proposed roster change (from an item such as "Meta signs CAISI agreement").
 * Only admins decide; a confirmation writes the roster and the audit log, citing the item.
 */
import { renderAlertBlocks } from '../render/alert.js';
import { membership } from '../roster/query.js';
import type { SlackDeps } from './deps.js';

export type Decision =
  | { kind: 'decided'; message: { text: string; blocks: Record<string, unknown>[] } | null }
  | { kind: 'refused' | 'stale'; message: string };

export async function decideProposal(
  deps: Pick<SlackDeps, 'store' | 'roster' | 'clock' | 'isAdmin' | 'whoCanWrite' | 'logger'>,
  proposalId: number,
  decision: 'confirmed' | 'dismissed',
  userId: string,
): Promise<Decision> {
  const { store } = deps;
  const proposal = Number.isInteger(proposalId) ? await store.proposal(proposalId) : undefined;
  if (!proposal) return { kind: 'stale', message: 'That proposal no longer exists.' };
  if (!(await deps.isAdmin(userId)))
    return {
      kind: 'refused',
      message: `Only admins can confirm or dismiss roster changes: ${deps.whoCanWrite()}. Nothing was changed.`,
    };
  const now = new Date(deps.clock.now()).toISOString();
  const old = membership(await deps.roster(), proposal.lab, proposal.program)?.status ?? null;
  const applied = await store.tx(async (t) => {
    if (!(await t.decideProposal(proposal.id, decision, userId, now))) return false;
    if (decision === 'confirmed')
      await t.setMembership(
        {
          lab: proposal.lab,
          program: proposal.program,
          status: proposal.status,
          since: now.slice(0, 10),
          sourceUrl: proposal.sourceUrl,
          sourceTitle: proposal.sourceTitle,
          setBy: userId,
          setAt: now,
        },
        old,
        'confirm proposal',
      );
    else
      await t.audit({
        at: now,
        actor: userId,
        action: 'dismiss proposal',
        lab: proposal.lab,
        program: proposal.program,
        oldStatus: old,
        newStatus: old,
        source: proposal.sourceUrl ?? proposal.sourceTitle,
        detail: `proposed ${proposal.status}`,
      });
    return true;
  });
  if (!applied)
    return { kind: 'stale', message: 'Someone already decided on this proposal; nothing was changed.' };
  deps.logger.info({ proposal: proposal.id, decision, by: userId }, 'roster proposal decided');
  const story = await store.story(proposal.storyId);
  return {
    kind: 'decided',
    message: story
      ? renderAlertBlocks(await deps.roster(), story, await store.proposalsForStory(story.id))
      : null,
  };
}
