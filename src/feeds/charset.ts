import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

/**
 * Labels that mean "Latin-1" in practice. Real feeds labelled this way routinely carry Windows
 * curly quotes and dashes in 0x80-0x9F, so (like browsers, per the WHATWG Encoding standard) they
 * are decoded as windows-1252, which agrees with ISO-8859-1 on every other byte.
 */
const LATIN1_LABELS = new Set([
  'iso-8859-1',
  'iso8859-1',
  'iso_8859-1',
  'latin1',
  'latin-1',
  'l1',
  'us-ascii',
  'ascii',
  'cp819',
  'ibm819',
  'iso-ir-100',
  'windows-1252',
  'cp1252',
  'x-cp1252',
]);

/** Normalise an encoding label to one iconv-lite knows, or null when it is unknown. */
export function resolveCharset(label: string | null | undefined): string | null {
  if (!label) return null;
  const clean = label
    .trim()
    .replace(/^["']|["']$/g, '')
    .toLowerCase();
  if (clean === '') return null;
  if (LATIN1_LABELS.has(clean)) return 'windows-1252';
  if (clean === 'utf8' || clean === 'utf-8' || clean === 'unicode-1-1-utf-8') return 'utf-8';
  return iconv.encodingExists(clean) ? clean : null;
}

/** The `charset` parameter of a Content-Type header value, if any. */
export function charsetFromContentType(contentType: string | null | undefined): string | null {
  if (!contentType) return null;
  const match = /;\s*charset\s*=\s*("([^"]*)"|[^;\s]*)/i.exec(contentType);
  if (!match) return null;
  const value = match[2] ?? match[1] ?? '';
  return value.trim() === '' ? null : value.trim();
}

type Bom = { encoding: string; length: number };

function sniffBom(bytes: Buffer): Bom | null {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { encoding: 'utf-8', length: 3 };
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return null;
}

/** UTF-16 without a BOM: "<" (and usually "?") as 16-bit units, per XML 1.0 appendix F. */
function sniffUtf16NoBom(bytes: Buffer): string | null {
  if (bytes.length < 4) return null;
  if (bytes[0] === 0x00 && bytes[1] === 0x3c && bytes[2] === 0x00) return 'utf-16be';
  if (bytes[0] === 0x3c && bytes[1] === 0x00 && bytes[3] === 0x00) return 'utf-16le';
  return null;
}

/** The `encoding` pseudo-attribute of an XML declaration at the very start of the bytes, if any. */
export function encodingFromProlog(bytes: Buffer): string | null {
  // The prolog is ASCII in every ASCII-compatible encoding; read only the first bytes.
  const head = bytes.subarray(0, 1024).toString('latin1');
  const decl = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([A-Za-z0-9._:-]+)\1/.exec(head);
  return decl?.[2] ?? null;
}

function isUtf16(encoding: string): boolean {
  return /^utf-?16/i.test(encoding) || encoding === 'ucs2' || encoding === 'ucs-2';
}

function decodeWith(bytes: Buffer, encoding: string): string {
  // iconv-lite strips a leading BOM of the matching encoding; remove any stray one as well.
  const text = iconv.decode(bytes, encoding);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Decode a fetched feed body to a string. The encoding is taken from, in order:
 * a byte-order mark (it cannot lie about the bytes that follow, so it wins over a contradicting header),
 * the Content-Type `charset` (except a `utf-8` label on bytes that are not UTF-8, where the XML
 * declaration's own 8-bit encoding is believed instead), UTF-16 recognised from the "<" byte pattern, the XML declaration's
 * `encoding`, and finally UTF-8. Unknown labels are skipped, never thrown on.
 */
export function decodeBody(bytes: Buffer, contentType: string | null): string {
  if (bytes.length === 0) return '';

  const bom = sniffBom(bytes);
  if (bom) return decodeWith(bytes.subarray(bom.length), bom.encoding);

  const fromHeader = resolveCharset(charsetFromContentType(contentType));
  const utf16 = sniffUtf16NoBom(bytes);
  if (fromHeader) {
    // A header claiming an 8-bit charset for a body that is plainly UTF-16 is wrong; trust the bytes.
    if (utf16 && !isUtf16(fromHeader)) return decodeWith(bytes, utf16);
    if (isUtf16(fromHeader) && !utf16) {
      // Header says UTF-16 but the body starts like ASCII: the header is wrong.
      return decodeWith(bytes, resolveCharset(encodingFromProlog(bytes)) ?? 'utf-8');
    }
    if (isUtf16(fromHeader) && utf16) return decodeWith(bytes, utf16);
    if (fromHeader === 'utf-8' && !isUtf8(bytes)) {
      // Servers label every XML file UTF-8. When the bytes cannot be UTF-8 and the document declares
      // another 8-bit encoding itself, the declaration is the one that describes these bytes.
      const fromProlog = resolveCharset(encodingFromProlog(bytes));
      if (fromProlog && fromProlog !== 'utf-8' && !isUtf16(fromProlog)) return decodeWith(bytes, fromProlog);
    }
    return decodeWith(bytes, fromHeader);
  }

  if (utf16) return decodeWith(bytes, utf16);

  const fromProlog = resolveCharset(encodingFromProlog(bytes));
  // A prolog that says UTF-16 on an ASCII-looking body is a leftover from a conversion: ignore it.
  if (fromProlog && !isUtf16(fromProlog)) return decodeWith(bytes, fromProlog);

  return decodeWith(bytes, 'utf-8');
}
