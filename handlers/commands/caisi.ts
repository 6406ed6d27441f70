/**
 * `/caisi`: parse the request, run it through src/slack/command.ts, answer within Slack's 3 s.
 * A fast answer goes in the ack itself; a slow one (DNS for `feeds add`, the admin lookup) is acked
 * after 2 s and sent through response_url when ready. `feeds check`, which fetches every feed, is
 * acked at once.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { type CommandReply, isSlowCommand, runCaisiCommand } from '../../src/slack/command.js';
import type { SlackDeps } from '../../src/slack/deps.js';

/** How long to wait for an answer before acking with "working on it". */
const ACK_BUDGET_MS = 2000;

export const caisiCommand =
  (deps: SlackDeps) =>
  async ({ ack, command, respond, logger }: AllMiddlewareArgs & SlackCommandMiddlewareArgs) => {
    const work = runCaisiCommand(
      { text: command.text ?? '', userId: command.user_id, channelId: command.channel_id },
      deps,
    ).catch((err: unknown): CommandReply => {
      logger.error(`/caisi failed: ${(err as Error).message}`);
      return {
        response_type: 'ephemeral',
        text: 'Sorry, that failed on our side. It has been logged; try again in a minute.',
      };
    });
    if (isSlowCommand(command.text ?? '')) {
      await ack({
        response_type: 'ephemeral',
        text: 'Checking every feed now; the report will replace this message in a moment.',
      });
      await respond({ ...(await work), replace_original: true });
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ACK_BUDGET_MS);
    });
    const first = await Promise.race([work, late]);
    clearTimeout(timer);
    if (first !== 'late') await ack(first);
    else {
      await ack({ response_type: 'ephemeral', text: 'Working on it…' });
      await respond({ ...(await work), replace_original: true });
    }
  };
