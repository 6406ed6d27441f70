/** App Home: publish the roster, latest alerts, feed health (and parked alerts for admins). */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { HomeView } from '@slack/web-api';
import type { SlackDeps } from '../../src/slack/deps.js';
import { buildHomeView } from '../../src/slack/home.js';

export const appHomeOpened =
  (deps: SlackDeps) =>
  async ({ event, client }: AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>) => {
    if (event.tab !== 'home') return;
    const admin = await deps.isAdmin(event.user);
    await client.views.publish({
      user_id: event.user,
      view: (await buildHomeView(await deps.roster(), deps.store, admin)) as unknown as HomeView,
    });
  };
