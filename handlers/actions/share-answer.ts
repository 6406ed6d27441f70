/** "Share in channel": run the same lookup again and post it for everyone via response_url. */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { LookupError } from '../../src/answers/answer.js';
import { lookup } from '../../src/answers/lookup.js';
import { sharedReply, tokenize } from '../../src/slack/command.js';
import type { SlackDeps } from '../../src/slack/deps.js';

export const shareAnswer =
  (deps: SlackDeps) =>
  async ({
    ack,
    action,
    body,
    respond,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>) => {
    await ack();
    try {
      const answer = await lookup(tokenize(action.value ?? ''), deps);
      await respond(sharedReply(answer, body.user.id));
    } catch (err) {
      if (!(err instanceof LookupError)) throw err;
      await respond({ response_type: 'ephemeral', replace_original: false, text: err.message });
    }
  };
