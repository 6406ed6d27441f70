import { describe, expect, it } from 'vitest';
import { checkFeedUrl, FeedFetchError, isBlockedAddress } from '../../src/feeds/url-guard.js';

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '0.0.0.0',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '169.254.0.1',
    '100.64.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:7f00:1',
    '::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '2002:7f00:1::1',
    'ff02::1',
    'not an ip',
    '',
  ])('blocks %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '192.169.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '2002:808:808::1',
  ])('allows %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(false);
  });
});

describe('checkFeedUrl', () => {
  it('accepts http and https URLs', () => {
    expect(checkFeedUrl('https://example.com/feed.xml').href).toBe('https://example.com/feed.xml');
    expect(checkFeedUrl('  http://EXAMPLE.com/rss ').hostname).toBe('example.com');
  });

  it.each([
    ['', 'no URL given'],
    ['example.com/feed', 'not a valid URL'],
    ['ftp://example.com/feed', 'only http and https'],
    ['file:///etc/passwd', 'only http and https'],
    ['javascript:alert(1)', 'only http and https'],
    ['https://user:pw@example.com/feed', 'user name or password'],
    ['https://user@example.com/feed', 'user name or password'],
  ])('rejects %j', (url, message) => {
    try {
      checkFeedUrl(url);
      throw new Error('expected a rejection');
    } catch (err) {
      expect(err).toBeInstanceOf(FeedFetchError);
      expect((err as FeedFetchError).code).toBe('bad-url');
      expect((err as FeedFetchError).message).toContain(message);
    }
  });
});
