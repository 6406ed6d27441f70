/**
 * manifest.yml installs the app as it is: bot user, /caisi with description and usage hint, the
 * minimal bot scopes (including history for delivery recovery), App Home, interactivity, Socket Mode.
 * Every Web API method the code calls must be covered by a scope in the manifest (the table of
 * test/slack-scopes.ts, which the local Slack API server enforces too).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers/app-process.js';
import { type ConversationKind, METHOD_SCOPES, scopesFor } from '../slack-scopes.js';

interface Manifest {
  _metadata: { major_version: number; minor_version: number };
  display_information: { name: string; description: string; long_description?: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean };
    bot_user: { display_name: string; always_online: boolean };
    slash_commands: {
      command: string;
      description: string;
      usage_hint?: string;
      should_escape?: boolean;
      url?: string;
    }[];
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    event_subscriptions: { bot_events: string[]; request_url?: string };
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
    org_deploy_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

const manifest = parse(readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8')) as Manifest;

/** The conversation types the bot reads and writes: public and private channels, admins' DMs. */
const KINDS: ConversationKind[] = ['channels', 'groups', 'im'];

/** `client.<family>.<method>(` calls in src/slack and handlers. */
function methodsCalled(): string[] {
  const files = [
    ...readdirSync(path.join(ROOT, 'src', 'slack')).map((f) => path.join(ROOT, 'src', 'slack', f)),
    ...readdirSync(path.join(ROOT, 'handlers'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(ROOT, 'handlers', f)),
  ].filter((f) => f.endsWith('.ts'));
  const found = new Set<string>();
  for (const f of files)
    for (const m of readFileSync(f, 'utf8').matchAll(/client\.([a-z]+)\.([A-Za-z]+)\(/g))
      found.add(`${m[1]}.${m[2]}`);
  return [...found].sort();
}

describe('manifest.yml', () => {
  it('is a v2 manifest with a name, description and bot user within Slack limits', () => {
    expect(manifest._metadata.major_version).toBe(2);
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    expect(manifest.display_information.description.length).toBeGreaterThan(0);
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
    expect(manifest.features.bot_user.display_name).toMatch(/^[a-z0-9._-]{1,80}$/);
  });

  it('declares /caisi with a description and a usage hint, parsed by us (no escaping)', () => {
    expect(manifest.features.slash_commands).toHaveLength(1);
    const [cmd] = manifest.features.slash_commands;
    expect(cmd?.command).toBe('/caisi');
    expect(cmd?.description.length).toBeGreaterThan(10);
    expect(cmd?.usage_hint).toMatch(/status <lab>/);
    for (const sub of ['roster', 'timeline', 'recent', 'subscribe', 'feeds', 'set', 'history', 'help'])
      expect(cmd?.usage_hint).toContain(sub);
    expect(cmd?.should_escape).toBe(false);
    // Socket Mode: no request URL needed (HTTP mode adds one, see the comments in the file).
    expect(cmd?.url).toBeUndefined();
  });

  it('asks for exactly the minimal bot scopes, including history (recovery, admin DMs too) and channels:join', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      [
        'channels:history',
        'channels:join',
        'chat:write',
        'chat:write.public',
        'commands',
        'groups:history',
        'im:history',
        'im:write',
        'users:read',
      ].sort(),
    );
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
    const text = readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8');
    // Every scope has its reason next to it.
    for (const scope of manifest.oauth_config.scopes.bot) {
      const line = text.split('\n').findIndex((l) => l.trim() === `- ${scope}`);
      expect(line, scope).toBeGreaterThan(0);
      expect(
        text.split('\n')[line - 1]?.trim().startsWith('#') ||
          text.split('\n')[line - 2]?.trim().startsWith('#'),
        scope,
      ).toBe(true);
    }
  });

  it('covers every Web API method the code calls with a scope', () => {
    const called = methodsCalled();
    expect(called).toEqual(
      expect.arrayContaining(['chat.postMessage', 'conversations.history', 'conversations.join']),
    );
    const granted = manifest.oauth_config.scopes.bot;
    for (const method of called) {
      expect(
        Object.keys(METHOD_SCOPES),
        `scope for ${method} is not known to test/slack-scopes.ts`,
      ).toContain(method);
      // Any one of the listed scopes will do, for each conversation type the bot uses.
      for (const kind of KINDS) {
        const needs = scopesFor(method, kind);
        if (needs)
          expect(
            needs.some((s) => granted.includes(s)),
            `${method} on ${kind}: ${needs}`,
          ).toBe(true);
      }
    }
  });

  it('turns on the App Home tab, interactivity, app_home_opened and Socket Mode', () => {
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.token_rotation_enabled).toBe(false);
    expect(manifest.settings.org_deploy_enabled).toBe(false);
  });
});
