import { Duration, Token } from 'aws-cdk-lib';
import { CustomClaimProperties } from '../contract';

/** CloudFormation passes scalars as strings: booleans become "true" / "false", unset stays absent. */
export function booleanProperty(value: boolean | undefined): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

/** Custom claims as Pocket-ID keeps them: a list of key/value pairs, in the order given. */
export function claimProperties(claims: Record<string, string> | undefined): CustomClaimProperties[] | undefined {
  if (claims === undefined || claims === null) return undefined;
  return Object.entries(claims).map(([key, value]) => ({ Key: key, Value: value }));
}

/** A string known at synth time, or undefined (unset, null from another language, or a token). */
export function known(value: string | undefined): string | undefined {
  return typeof value !== 'string' || Token.isUnresolved(value) ? undefined : value;
}

/** The claims whose keys are known at synth time; values that are tokens are left to the handler. */
export function knownClaims(claims: Record<string, string> | undefined): Record<string, string | undefined> | undefined {
  if (claims === undefined || claims === null || Token.isUnresolved(claims)) return undefined;
  return Object.fromEntries(Object.entries(claims)
    .filter(([key]) => !Token.isUnresolved(key))
    .map(([key, value]) => [key, known(value)]));
}

/** jsii callers (Python, Java, Go) can pass null where TypeScript would not compile. */
export function requireValue(field: string, value: unknown): string[] {
  return value === undefined || value === null ? [`${field} is required`] : [];
}

export function knownSeconds(duration: Duration | undefined): number | undefined {
  if (duration === undefined || duration === null || duration.isUnresolved()) return undefined;
  return duration.toMilliseconds() / 1000;
}

/** A Duration as the whole seconds CloudFormation delivers as a string (a token stays a token, checked at deploy time). */
export function secondsProperty(duration: Duration): string {
  return duration.isUnresolved() ? Token.asString(duration.toSeconds()) : String(duration.toMilliseconds() / 1000);
}
