import { PocketIdApiError } from './errors';
import { PocketIdHttpClient } from './http-client';
import { Logger } from './logger';

/**
 * Which Pocket-ID release the handler talks to, and what that release does. The handler reads the
 * version once per container and instance, and behaves as that release does: a property the release
 * cannot take is refused before anything is changed, and a behaviour a release added (a secret made
 * with each new client) is expected only where it exists.
 */

/** The oldest Pocket-ID supported: 2.14 changed the client secret endpoints. */
export const OLDEST_SUPPORTED = '2.14.0';
/** The newest release this library was tested with; newer 2.x releases are taken to behave like it. */
export const NEWEST_TESTED = '2.18.0';
/** The first major not supported: Pocket-ID 3 replaces custom claims with custom fields. */
export const FIRST_UNSUPPORTED_MAJOR = 3;

/** Behaviours that came with a release newer than the oldest supported one. */
export const Feature = {
  /** Federated identities with explicit public keys (pocket-id PR #1702). */
  FEDERATED_PUBLIC_KEYS: { name: 'federated identities with public keys', since: '2.15.0' },
  /** `backchannelLogoutURL` on clients (pocket-id PR #1734). */
  BACKCHANNEL_LOGOUT: { name: 'OIDC back-channel logout', since: '2.17.0' },
  /** A new confidential client comes with a secret Pocket-ID made (`createdSecret`), while autoCreateOidcClientSecret is on. */
  SECRET_MADE_WITH_CLIENT: { name: 'a secret made with each new confidential client', since: '2.17.0' },
  /** The application setting autoCreateOidcClientSecret ([peer] irashack internal/client/app_config.go). */
  AUTO_CREATE_CLIENT_SECRET_SETTING: { name: 'the autoCreateOidcClientSecret setting', since: '2.17.0' },
  /** GET /api/oidc/logo-presets, the icon library's logos (client logos from a preset). */
  LOGO_PRESETS: { name: 'logo presets', since: '2.18.0' },
} as const;

export type FeatureName = keyof typeof Feature;

/** The release of one Pocket-ID instance. */
export interface PocketIdRelease {
  /** The version as Pocket-ID announced it; 'unknown' on a development build. */
  readonly version: string;
  /** Major, minor, patch; undefined when the announced version is not one (a development build). */
  readonly numbers?: readonly number[];
}

/** A release whose version is not known: assumed to have every behaviour, so that nothing is refused on a guess. */
export const UNKNOWN_RELEASE: PocketIdRelease = { version: 'unknown' };

/** Whether the release surely lacks the feature: false when its version is not known. */
export function lacks(release: PocketIdRelease, feature: FeatureName): boolean {
  return release.numbers !== undefined && compareVersions(release.numbers, parseVersion(Feature[feature].since)!) < 0;
}

/** A property that needs a feature, named as the construct's prop. */
export interface FeatureUse {
  readonly prop: string;
  readonly feature: FeatureName;
}

/** The properties the release cannot take, said with the version each needs; empty when it takes them all. */
export function unsupportedUses(release: PocketIdRelease, uses: readonly FeatureUse[], baseUrl: string): string[] {
  return uses.filter((use) => lacks(release, use.feature)).map((use) => {
    const { name, since } = Feature[use.feature];
    return `${use.prop} needs Pocket-ID ${since} or newer (${name}), but the Pocket-ID at ${baseUrl} is version ${release.version}: `
      + `upgrade Pocket-ID, or remove ${use.prop}`;
  });
}

/**
 * Reads the version (GET /api/version/current) and refuses a Pocket-ID too old, or of a major this
 * library has not been tested with. A Delete still goes to a new major: a stack must stay removable.
 */
export async function readRelease(api: PocketIdHttpClient, baseUrl: string, logger: Logger): Promise<PocketIdRelease> {
  const version = await announcedVersion(api, baseUrl);
  const numbers = parseVersion(version);
  const release: PocketIdRelease = numbers ? { version: version!, numbers } : UNKNOWN_RELEASE;
  if (!numbers) {
    logger.warn('Pocket-ID announced no release version (a development build?): taking it to behave like the newest tested release', { baseUrl, version, newestTested: NEWEST_TESTED });
  } else if (compareVersions(numbers, parseVersion(OLDEST_SUPPORTED)!) < 0) {
    throw new Error(`Pocket-ID at ${baseUrl} is version ${version}; cdk-pocket-id supports Pocket-ID ${OLDEST_SUPPORTED} and newer. Upgrade Pocket-ID.`);
  } else if (numbers[0] < FIRST_UNSUPPORTED_MAJOR && compareVersions(numbers, parseVersion(NEWEST_TESTED)!) > 0) {
    logger.info('Pocket-ID is newer than the newest release this cdk-pocket-id was tested with: taking it to behave like that one', { baseUrl, version, newestTested: NEWEST_TESTED });
  }
  return release;
}

/** Refuses a major this library was not tested with, before anything is read or changed. */
export function assertSupportedMajor(release: PocketIdRelease, baseUrl: string): void {
  if (release.numbers === undefined || release.numbers[0] < FIRST_UNSUPPORTED_MAJOR) return;
  throw new Error(`Pocket-ID at ${baseUrl} is version ${release.version}; this cdk-pocket-id supports Pocket-ID ${OLDEST_SUPPORTED} up to the `
    + `last 2.x release and has not been tested with Pocket-ID ${release.numbers[0]} (Pocket-ID 3 replaces custom claims with custom fields), so `
    + 'it changes nothing there. Update cdk-pocket-id to a release that supports it, or run Pocket-ID 2.');
}

async function announcedVersion(api: PocketIdHttpClient, baseUrl: string): Promise<string | undefined> {
  try {
    const answer = await api.get<{ currentVersion?: unknown }>('Check the Pocket-ID version', '/api/version/current');
    return typeof answer?.currentVersion === 'string' ? answer.currentVersion : undefined;
  } catch (error) {
    if (error instanceof PocketIdApiError && error.status === 404) {
      throw new Error(`Check the Pocket-ID version: GET /api/version/current returned 404: the server at ${baseUrl} has no such endpoint, so it is not `
        + 'Pocket-ID\'s API (a wrong baseUrl, or a proxy in front of Pocket-ID) or a Pocket-ID older than 2.5. Check baseUrl; cdk-pocket-id '
        + `supports Pocket-ID ${OLDEST_SUPPORTED} and newer, so upgrade an older Pocket-ID.`);
    }
    throw error;
  }
}

/** Major, minor and patch of a version such as '2.17.0', 'v2.17.1' or '3.0.0-beta.1'. */
export function parseVersion(version: string | undefined): number[] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  return match ? match.slice(1, 4).map(Number) : undefined;
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return 0;
}
