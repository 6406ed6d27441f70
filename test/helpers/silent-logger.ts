/** A Slack client logger that says nothing: for tests that check behaviour, not Bolt's chatter. */
import { LogLevel } from '@slack/bolt';

export const silentClientLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};
