/**
 * Confirm / Dismiss on a proposed roster change. Only admins decide; a confirmation writes the
 * roster and the audit log with the item as its source, and the alert is redrawn to say so.
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../src/slack/deps.js';
import { decideProposal } from '../../src/slack/proposals.js';

export const rosterChange =
  (deps: SlackDeps, decision: 'confirmed' | 'dismissed') =>
  async ({
    ack,
    action,
    body,
    respond,
    client,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>) => {
    await ack();
    const result = await decideProposal(deps, Number(action.value), decision, body.user.id);
    if (result.kind !== 'decided') {
      await respond({ response_type: 'ephemeral', replace_original: false, text: result.message });
      return;
    }
    // Redraw the alert where the button was clicked, so the buttons give way to the decision.
    const channel = body.channel?.id;
    const ts = body.message?.ts;
    if (channel && ts && result.message) await client.chat.update({ channel, ts, ...result.message });
  };
