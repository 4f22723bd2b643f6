import { FieldError, validationFailed } from './errors';
import { isValidatorUrl, isValidCallbackUrlPattern, parseGoUrl } from './go-url';

/** One go-playground/validator tag: returns the failure (code and message) or undefined. */
export type Rule = (value: unknown) => Omit<FieldError, 'field'> | undefined;

function runeLength(value: string): number {
  return [...value].length;
}

/** Custom tags without a dedicated message get Pocket-ID's default: the tag as code, "is invalid". */
function tagRule(tag: string, test: (value: string) => boolean): Rule {
  return (value) => (test(String(value)) ? undefined : { code: tag, message: 'is invalid' });
}

export const required: Rule = (value) =>
  value === null || value === undefined || value === '' || value === 0 || value === false
    ? { code: 'required', message: 'is required' }
    : undefined;

export function max(limit: number): Rule {
  return (value) =>
    runeLength(String(value)) > limit ? { code: 'too_long', message: `must be at most ${limit} characters long` } : undefined;
}

export function min(limit: number): Rule {
  return (value) =>
    runeLength(String(value)) < limit ? { code: 'too_short', message: `must be at least ${limit} characters long` } : undefined;
}

// go-playground/validator's emailRegexString, translated from RE2 to a JavaScript unicode regex.
const GO_EMAIL_PATTERN =
  "^(?:(?:(?:(?:[a-zA-Z]|\\d|[!#\\$%&'\\*\\+\\-\\/=\\?\\^_`{\\|}~]|[\\x{00A0}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFEF}])+(?:\\.([a-zA-Z]|\\d|[!#\\$%&'\\*\\+\\-\\/=\\?\\^_`{\\|}~]|[\\x{00A0}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFEF}])+)*)|(?:(?:\\x22)(?:(?:(?:(?:\\x20|\\x09)*(?:\\x0d\\x0a))?(?:\\x20|\\x09)+)?(?:(?:[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]|\\x21|[\\x23-\\x5b]|[\\x5d-\\x7e]|[\\x{00A0}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFEF}])|(?:(?:[\\x01-\\x09\\x0b\\x0c\\x0d-\\x7f]|[\\x{00A0}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFEF}]))))*(?:(?:(?:\\x20|\\x09)*(?:\\x0d\\x0a))?(\\x20|\\x09)+)?(?:\\x22))))@(?:(?:(?:[a-zA-Z]|\\d|[\\x{00A0}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFEF}])|(?:(?:[a-zA-Z]|\\d|[\\x{00A0}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFEF}])(?:[a-zA-Z]|\\d|-|\\.|~|[\\x{00A0}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFEF}])*(?:[a-zA-Z]|\\d|[\\x{00A0}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFEF}])))\\.)+(?:(?:[a-zA-Z]|[\\x{00A0}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFEF}])|(?:(?:[a-zA-Z]|[\\x{00A0}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFEF}])(?:[a-zA-Z]|\\d|-|\\.|~|[\\x{00A0}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFEF}])*(?:[a-zA-Z]|[\\x{00A0}-\\x{D7FF}\\x{F900}-\\x{FDCF}\\x{FDF0}-\\x{FFEF}])))\\.?$";
const EMAIL_REGEX = new RegExp(GO_EMAIL_PATTERN.replace(/\\x\{([0-9A-Fa-f]+)\}/g, '\\u{$1}'), 'u');

/** The validator's regex, plus what Go's mail.ParseAddress refuses on top of it (a trailing dot in the domain). */
export const email: Rule = (value) =>
  EMAIL_REGEX.test(String(value)) && !String(value).endsWith('.')
    ? undefined
    : { code: 'invalid_format', message: 'must be a valid email address' };

export const url: Rule = (value) =>
  isValidatorUrl(String(value)) ? undefined : { code: 'invalid_format', message: 'must be a valid URL' };

const USERNAME_REGEX = /^[a-zA-Z0-9]([a-zA-Z0-9_.@-]*[a-zA-Z0-9])?$/;
export const username: Rule = (value) =>
  USERNAME_REGEX.test(String(value))
    ? undefined
    : {
      code: 'invalid_format',
      message: "must only contain letters, numbers, underscores, dots, hyphens, and '@' symbols and not start or end with a special character",
    };

export const UUID_REGEX = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const uuid = tagRule('uuid', (v) => UUID_REGEX.test(v));
export const clientId = tagRule('client_id', (v) => /^[a-zA-Z0-9._-]+$/.test(v));
export const printAscii = tagRule('printascii', (v) => /^[\x20-\x7E]*$/.test(v));
export const callbackUrlPattern = tagRule('callback_url_pattern', isValidCallbackUrlPattern);

function isValidBackchannelLogoutUrl(value: string, isPublic: boolean): boolean {
  const parsed = parseGoUrl(value);
  if (parsed === undefined || (parsed.scheme !== 'http' && parsed.scheme !== 'https') || parsed.host === '') return false;
  return !value.includes('#') && (!isPublic || parsed.scheme === 'https');
}

/**
 * [peer] 2.17+: an absolute http(s) URL with a host and no fragment (not even an empty one), https for a
 * public client; the cases of irashack internal/resources/client_backchannel_logout_test.go, which mirror
 * Pocket-ID's TestBackchannelLogoutURLValidation. The field code and message Pocket-ID answers are not
 * confirmed: its default for a custom tag is played.
 */
export function backchannelLogoutUrl(isPublic: boolean): Rule {
  return tagRule('backchannel_logout_url', (v) => isValidBackchannelLogoutUrl(v, isPublic));
}

export const MAX_TOKEN_DURATION_MINUTES = 365 * 24 * 60;
export const tokenDuration = tagRule('token_duration', (v) => Number(v) >= 1 && Number(v) <= MAX_TOKEN_DURATION_MINUTES);

/** Collects failures over a whole DTO, in field order, like the validator does. */
export class FieldChecks {
  private readonly failures: FieldError[] = [];

  /** Runs the rules in order and stops at the first failure. */
  field(name: string, value: unknown, ...rules: Rule[]): this {
    for (const rule of rules) {
      const failure = rule(value);
      if (failure) {
        this.failures.push({ field: name, ...failure });
        break;
      }
    }
    return this;
  }

  /** `omitempty`: zero values ("" / 0 / null) skip the rules. */
  optional(name: string, value: unknown, ...rules: Rule[]): this {
    return value === '' || value === 0 || value === null || value === undefined ? this : this.field(name, value, ...rules);
  }

  /** `omitempty` on a pointer: only null skips the rules, an empty string is still validated. */
  optionalPointer(name: string, value: unknown, ...rules: Rule[]): this {
    return value === null || value === undefined ? this : this.field(name, value, ...rules);
  }

  /** `omitempty,dive,<rules>` on a slice: each element is validated as `name[i]`. */
  eachOptional(name: string, values: ReadonlyArray<unknown> | null, ...rules: Rule[]): this {
    (values ?? []).forEach((value, i) => this.field(`${name}[${i}]`, value, ...rules));
    return this;
  }

  throwIfFailed(): void {
    if (this.failures.length > 0) throw validationFailed(this.failures);
  }
}
