/**
 * Just enough of Go's net/url.Parse to decide what Pocket-ID accepts as a URL: the scheme rules, the
 * opaque/authority split, and the characters that make Parse fail. Also QueryUnescape and ParseQuery,
 * for form bodies and Basic credentials.
 */
export interface GoUrl {
  readonly scheme: string;
  readonly opaque: string;
  readonly host: string;
  readonly path: string;
  readonly fragment: string;
}

// Go refuses ASCII characters that would need escaping in a host; bytes >= 0x80 pass
const HOST_ALLOWED = /^[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"%\u0080-\uffff]*$/;

function hasValidEscapes(s: string): boolean {
  return !/%(?![0-9A-Fa-f]{2})/.test(s);
}

/** Go's getScheme: letters first, then letters, digits, '+', '-', '.'; a leading ':' is an error. */
function splitScheme(raw: string): { scheme: string; rest: string } | undefined {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c) && i > 0) continue;
    if (c === ':') return i === 0 ? undefined : { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    break;
  }
  return { scheme: '', rest: raw };
}

function isValidHost(host: string): boolean {
  if (!hasValidEscapes(host)) return false;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return false;
    const port = host.slice(end + 1);
    return port === '' || /^:[0-9]*$/.test(port);
  }
  if (!HOST_ALLOWED.test(host)) return false;
  const colon = host.lastIndexOf(':');
  return colon < 0 || /^[0-9]*$/.test(host.slice(colon + 1));
}

export function parseGoUrl(raw: string): GoUrl | undefined {
  if (/[\x00-\x1f\x7f]/.test(raw)) return undefined;
  const hashAt = raw.indexOf('#');
  const fragment = hashAt >= 0 ? raw.slice(hashAt + 1) : '';
  const withoutFragment = hashAt >= 0 ? raw.slice(0, hashAt) : raw;
  if (!hasValidEscapes(fragment)) return undefined;

  const split = splitScheme(withoutFragment);
  if (split === undefined) return undefined;
  const scheme = split.scheme.toLowerCase();
  const rest = split.rest.split('?')[0];

  if (!rest.startsWith('/') && scheme !== '') return { scheme, opaque: rest, host: '', path: '', fragment };
  if (scheme === '' && /^[^/]*:/.test(rest)) return undefined;

  let host = '';
  let path = rest;
  if (scheme !== '' && rest.startsWith('//')) {
    const authorityEnd = rest.indexOf('/', 2);
    const authority = authorityEnd < 0 ? rest.slice(2) : rest.slice(2, authorityEnd);
    path = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
    host = authority.slice(authority.lastIndexOf('@') + 1);
    if (!isValidHost(host)) return undefined;
  }
  if (!hasValidEscapes(path)) return undefined;
  return { scheme, opaque: '', host, path, fragment };
}

/** go-playground/validator's `url` rule. */
export function isValidatorUrl(value: string): boolean {
  const s = value.toLowerCase();
  if (s.length === 0) return false;
  const u = parseGoUrl(s);
  if (u === undefined || u.scheme === '') return false;
  if (u.scheme === 'file') return u.path.length > 0 && u.path !== '/';
  return u.host.length > 0 || u.fragment.length > 0 || u.opaque.length > 0;
}

/** Pocket-ID's callbackURLPatternForURLParse: wildcard schemes and ports are made parseable first. */
function parseablePattern(pattern: string): string {
  let p = pattern.startsWith('*://') ? `https://${pattern.slice(4)}` : pattern;
  const sep = p.indexOf('://');
  if (sep < 0) return p;
  const scheme = p.slice(0, sep);
  const rest = p.slice(sep + 3);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const suffix = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  let hostport = at >= 0 ? authority.slice(at + 1) : authority;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end >= 0 && hostport[end + 1] === ':' && hostport.slice(end + 2).includes('*')) hostport = `${hostport.slice(0, end + 2)}443`;
  } else {
    const colon = hostport.lastIndexOf(':');
    if (colon >= 0 && hostport.slice(colon + 1).includes('*')) hostport = `${hostport.slice(0, colon + 1)}443`;
  }
  p = `${scheme}://${userinfo}${hostport}${suffix}`;
  return p;
}

/**
 * The parts of URL-pattern syntax that make Pocket-ID's pattern compilation fail: `+` modifiers,
 * unbalanced, nested or `(?`-style regexp groups, unbalanced or nested `{}` groups, and `{}` in the
 * authority. A backslash escapes the next character.
 */
function hasValidPatternSyntax(pattern: string): boolean {
  const schemeEnd = pattern.indexOf('://');
  const authorityStart = schemeEnd < 0 ? -1 : schemeEnd + 3;
  const pathStart = authorityStart < 0 ? -1 : pattern.slice(authorityStart).search(/[/?]/);
  const authorityEnd = pathStart < 0 ? pattern.length : authorityStart + pathStart;
  let inRegexp = false;
  let inBraces = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const inAuthority = authorityStart >= 0 && i >= authorityStart && i < authorityEnd;
    if (c === '\\') {
      i++;
    } else if (c === '+') {
      return false;
    } else if (c === '(') {
      if (inRegexp || pattern[i + 1] === '?') return false;
      inRegexp = true;
    } else if (c === ')') {
      inRegexp = false;
    } else if (c === '{' || c === '}') {
      if (inAuthority || (c === '{') === inBraces) return false;
      inBraces = c === '{';
    }
  }
  return !inRegexp && !inBraces;
}

/**
 * Without `://`, nothing is escaped before the first `/`, and a `:` followed by a name character starts a
 * named group; the pattern then has no protocol at all (`myapp:cb`), which fails. `urn:a:b:2.0` works
 * because `:2` is a literal colon.
 */
function hasProtocolSeparator(pattern: string): boolean {
  if (pattern.includes('://')) return true;
  const base = pattern.split('/')[0];
  return [...base.matchAll(/:/g)].some((m) => !/^\p{ID_Start}/u.test(base.slice(m.index! + 1)));
}

/** The host must survive WHATWG host parsing (what URL-pattern canonicalization uses); an empty host is fine. */
function hasValidHost(parseable: string, parsed: GoUrl): boolean {
  const hostname = parsed.host.replace(/:[0-9]*$/, '');
  if (hostname === '') return true;
  if (hostname.startsWith('[') && !/^\[[0-9A-Fa-f:]+\]$/.test(hostname)) return false;
  try {
    new URL(parseable.replace(/\*/g, 'x'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Pocket-ID's ValidateCallbackURLPattern: `*` alone, or a URL with a scheme that is neither javascript:
 * nor data:, which must then compile as a URL pattern (approximated by the syntax and host checks above).
 */
export function isValidCallbackUrlPattern(pattern: string): boolean {
  if (pattern === '*') return true;
  const withoutFragment = pattern.split('#')[0];
  const parseable = parseablePattern(withoutFragment);
  const parsed = parseGoUrl(parseable);
  if (parsed === undefined || parsed.scheme === '') return false;
  if (parsed.scheme === 'javascript' || parsed.scheme === 'data') return false;
  return hasValidPatternSyntax(withoutFragment) && hasProtocolSeparator(withoutFragment) && hasValidHost(parseable, parsed);
}

/** Go's url.QueryUnescape: `+` is a space, `%XX` a byte; a `%` without two hex digits after it is an error (undefined). */
export function queryUnescape(s: string): string | undefined {
  if (!hasValidEscapes(s)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (s[i] === '+') {
      bytes.push(0x20);
    } else {
      const char = String.fromCodePoint(s.codePointAt(i)!);
      bytes.push(...Buffer.from(char));
      i += char.length - 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Go's url.ParseQuery as net/http's form parsing leaves it: a pair with a `;` or a bad escape is skipped
 * (ParseQuery's error is dropped by Request.ParseMultipartForm for a non-multipart body), the rest is kept.
 */
export function parseGoQuery(text: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const pair of text.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const key = queryUnescape(eq < 0 ? pair : pair.slice(0, eq));
    const value = queryUnescape(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) continue;
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  return values;
}
