import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { charsetFromContentType, decodeBody, encodingFromProlog } from '../../src/feeds/charset.js';

const SAMPLE =
  '<?xml version="1.0" encoding="ENC"?><rss><channel><title>“Café” — Zürich</title></channel></rss>';
const sample = (enc: string): string => SAMPLE.replace('ENC', enc);

describe('decodeBody', () => {
  it('uses the charset from the Content-Type header', () => {
    const bytes = iconv.encode(sample('windows-1252'), 'windows-1252');
    expect(bytes.includes(Buffer.from([0x93]))).toBe(true);
    expect(decodeBody(bytes, 'application/rss+xml; charset=windows-1252')).toBe(sample('windows-1252'));
    expect(decodeBody(bytes, 'application/rss+xml; charset="Windows-1252"')).toBe(sample('windows-1252'));
  });

  it('reads ISO-8859-1 as windows-1252, so stray curly quotes survive', () => {
    const bytes = iconv.encode(sample('ISO-8859-1'), 'windows-1252');
    expect(decodeBody(bytes, 'text/xml; charset=ISO-8859-1')).toBe(sample('ISO-8859-1'));
    const latin = iconv.encode('<rss><title>Besançon é</title></rss>', 'latin1');
    expect(decodeBody(latin, 'text/xml; charset=iso-8859-1')).toBe('<rss><title>Besançon é</title></rss>');
  });

  it('falls back to the XML declaration', () => {
    const bytes = iconv.encode(sample('windows-1252'), 'windows-1252');
    expect(decodeBody(bytes, 'text/xml')).toBe(sample('windows-1252'));
    expect(decodeBody(bytes, null)).toBe(sample('windows-1252'));
  });

  it('honours a byte-order mark (UTF-8, UTF-16LE, UTF-16BE) and removes it', () => {
    const text = sample('UTF-16');
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, 'utf-16be')]);
    const u8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sample('UTF-8'))]);
    expect(decodeBody(le, null)).toBe(text);
    expect(decodeBody(be, 'text/xml')).toBe(text);
    // A BOM beats a header that contradicts it.
    expect(decodeBody(le, 'text/xml; charset=utf-8')).toBe(text);
    expect(decodeBody(u8, null)).toBe(sample('UTF-8'));
  });

  it('recognises UTF-16 without a BOM from the "<" byte pattern', () => {
    const text = sample('UTF-16');
    expect(decodeBody(iconv.encode(text, 'utf-16le'), null)).toBe(text);
    expect(decodeBody(iconv.encode(text, 'utf-16be'), null)).toBe(text);
    // Even when the header wrongly claims an 8-bit charset.
    expect(decodeBody(iconv.encode(text, 'utf-16be'), 'text/xml; charset=iso-8859-1')).toBe(text);
  });

  it('ignores a UTF-16 label on a body that is plainly ASCII-compatible', () => {
    expect(decodeBody(Buffer.from(sample('UTF-16')), null)).toBe(sample('UTF-16'));
    expect(decodeBody(Buffer.from(sample('UTF-8')), 'text/xml; charset=utf-16')).toBe(sample('UTF-8'));
  });

  it('falls back to UTF-8 for unknown charsets, without throwing', () => {
    const bytes = Buffer.from(sample('x-made-up'));
    expect(decodeBody(bytes, 'text/xml; charset=x-bogus-9')).toBe(sample('x-made-up'));
    expect(decodeBody(bytes, null)).toBe(sample('x-made-up'));
  });

  it('defaults to UTF-8', () => {
    expect(decodeBody(Buffer.from('<rss>é</rss>'), null)).toBe('<rss>é</rss>');
    expect(decodeBody(Buffer.alloc(0), null)).toBe('');
  });

  it('never throws on arbitrary bytes and headers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.option(fc.string()), (bytes, ct) => {
        expect(typeof decodeBody(Buffer.from(bytes), ct)).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
});

describe('helpers', () => {
  it('charsetFromContentType', () => {
    expect(charsetFromContentType('text/xml; charset=UTF-8')).toBe('UTF-8');
    expect(charsetFromContentType('text/xml;charset="iso-8859-1"; foo=bar')).toBe('iso-8859-1');
    expect(charsetFromContentType('text/xml')).toBeNull();
    expect(charsetFromContentType(null)).toBeNull();
  });

  it('encodingFromProlog', () => {
    expect(encodingFromProlog(Buffer.from("<?xml version='1.0' encoding='Shift_JIS'?><rss/>"))).toBe(
      'Shift_JIS',
    );
    expect(encodingFromProlog(Buffer.from('<rss encoding="x"/>'))).toBeNull();
  });
});
