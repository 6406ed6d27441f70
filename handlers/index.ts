/** Every Slack listener, registered in one place. Handlers parse, call src/, and render. */
import type { App } from '@slack/bolt';
import { CONFIRM_ACTION, DISMISS_ACTION, SHARE_ACTION } from '../src/render/alert.js';
import type { SlackDeps } from '../src/slack/deps.js';
import { rosterChange } from './actions/roster-change.js';
import { shareAnswer } from './actions/share-answer.js';
import { caisiCommand } from './commands/caisi.js';
import { appHomeOpened } from './events/app-home-opened.js';

export function registerHandlers(app: App, deps: SlackDeps): void {
  app.command('/caisi', caisiCommand(deps));
  app.action(SHARE_ACTION, shareAnswer(deps));
  app.action(CONFIRM_ACTION, rosterChange(deps, 'confirmed'));
  app.action(DISMISS_ACTION, rosterChange(deps, 'dismissed'));
  app.event('app_home_opened', appHomeOpened(deps));
}
