/**
 * One precedence for every setting: environment variable over config file over default, and one
 * minimum whichever of the two sets it.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/config-file.js';
import { ENV_OVERRIDES, effectiveConfig } from '../../src/config/effective.js';
import { EnvError, parseEnv } from '../../src/config/env.js';

const file = (yaml: string) => parseConfig(yaml, '/etc/caisi/config.yaml');

describe('effective configuration', () => {
  it("the file's pollSeconds applies when CAISI_POLL_SECONDS is unset (or empty)", () => {
    const cfg = file('pollSeconds: 45\n');
    expect(effectiveConfig(cfg, parseEnv({})).pollSeconds).toBe(45);
    expect(effectiveConfig(cfg, parseEnv({ CAISI_POLL_SECONDS: '' })).pollSeconds).toBe(45);
  });

  it('CAISI_POLL_SECONDS overrides the file; with neither, the default is 300', () => {
    expect(
      effectiveConfig(file('pollSeconds: 45\n'), parseEnv({ CAISI_POLL_SECONDS: '20' })).pollSeconds,
    ).toBe(20);
    expect(effectiveConfig(file(''), parseEnv({})).pollSeconds).toBe(300);
  });

  it('the same minimum (1 s) in the file and in the environment', () => {
    expect(file('pollSeconds: 1\n').pollSeconds).toBe(1);
    expect(parseEnv({ CAISI_POLL_SECONDS: '1' }).CAISI_POLL_SECONDS).toBe(1);
    expect(() => file('pollSeconds: 0\n')).toThrow(ConfigError);
    expect(() => parseEnv({ CAISI_POLL_SECONDS: '0' })).toThrow(EnvError);
    expect(() => parseEnv({ CAISI_POLL_SECONDS: '0' })).toThrow(/CAISI_POLL_SECONDS: must be at least 1/);
  });

  it('CAISI_ALLOW_PRIVATE_FEEDS overrides the file both ways; unset leaves the file alone', () => {
    const on = file('allowPrivateFeeds: true\n');
    const off = file('allowPrivateFeeds: false\n');
    expect(effectiveConfig(on, parseEnv({})).allowPrivateFeeds).toBe(true);
    expect(effectiveConfig(on, parseEnv({ CAISI_ALLOW_PRIVATE_FEEDS: 'false' })).allowPrivateFeeds).toBe(
      false,
    );
    expect(effectiveConfig(off, parseEnv({ CAISI_ALLOW_PRIVATE_FEEDS: 'true' })).allowPrivateFeeds).toBe(
      true,
    );
    expect(effectiveConfig(off, parseEnv({})).allowPrivateFeeds).toBe(false);
  });

  it("CAISI_FEEDS replaces the file's feeds; a bad URL is one ConfigError naming the variable", () => {
    const cfg = file('feeds:\n  - { url: https://example.org/a.xml, name: A }\n');
    expect(effectiveConfig(cfg, parseEnv({})).feeds).toEqual([
      { url: 'https://example.org/a.xml', name: 'A' },
    ]);
    expect(
      effectiveConfig(cfg, parseEnv({ CAISI_FEEDS: 'https://b.example/x, https://c.example/y' })).feeds,
    ).toEqual([{ url: 'https://b.example/x' }, { url: 'https://c.example/y' }]);
    expect(() => effectiveConfig(cfg, parseEnv({ CAISI_FEEDS: 'ftp://x' }))).toThrow(/^CAISI_FEEDS: /);
  });

  it('every override names a real file key', () => {
    const keys = Object.keys(file(''));
    for (const o of ENV_OVERRIDES) expect(keys).toContain(o.key);
  });
});
