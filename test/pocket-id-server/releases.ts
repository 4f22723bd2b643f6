/**
 * The Pocket-ID releases this server plays, and what each one changed in the admin API. Every
 * behaviour that depends on the release asks a Release (`release.has('logoPresets')`), so the
 * sources of those behaviours are all listed here.
 *
 * The `version` option is what GET /api/version/current announces. The release played is the
 * highest known release not above it:
 * - '2.16.3' plays 2.16; a pre-release sorts below its release ('2.17.0-rc.1' plays 2.16), as in semver.
 * - Above 2.18 ('2.19.0', '3.0.0') plays 2.18: a v3 is announced only, for tests of the handler's
 *   refusal of a major it does not know; its API (custom fields instead of custom claims) is not played.
 * - Below 2.14 ('2.13.1') plays 2.14: announced only, for tests of the handler's refusal of old servers.
 * - A version that is no semver ('unknown', as dev builds announce) plays the newest, 2.18.
 *
 * 2.16.0: no API change was found. Issue pocket-id#1774, reported against 2.16.0, is an issue, not a
 * change (it asked for 2.17's autoCreateOidcClientSecret), so 2.16 plays like 2.15.
 *
 * Not played: `allowedUserGroups` in the items of GET /api/oidc/clients (PR pocket-id#1671, merged
 * after 2.14.0): the release that first ships it is not confirmed, so list items keep only
 * `allowedUserGroupsCount` on every release.
 */

/** Oldest first. */
export const RELEASES = ['2.14.0', '2.15.0', '2.16.0', '2.17.0', '2.18.0'] as const;

export type KnownRelease = (typeof RELEASES)[number];

/** The release most users run, and the one acceptance suites play unless told otherwise. */
export const NEWEST_RELEASE: KnownRelease = RELEASES[RELEASES.length - 1];

/** The first release with each behaviour. "[peer]": known only from a peer's tested code, not from Pocket-ID's source. */
const FEATURES = {
  // credentials.federatedIdentities[].publicKeys: PR pocket-id#1702 (pull/1702/head f4bb5a79,
  // backend/internal/utils/jwk/public_key.go NormalizePublicKeys); error texts as a build of that head answers
  federatedPublicKeys: '2.15.0',
  // [peer] uploads over 16,000,000 pixels are 400 invalid_image: irashack/terraform-provider-pocketid
  // internal/client/profile_pictures.go and internal/resources/client_logo_resource.go; no Pocket-ID PR found
  imagePixelLimit: '2.15.0',
  // backchannelLogoutURL on clients and the logout notices: PR pocket-id#1734 (its description; the code was
  // not readable). [peer] The field name: irashack internal/client/oidc_clients.go and axnic/pulumi-pocket-id
  // provider/internal/pocketidclient/oidc_clients.go; its validation: irashack
  // internal/resources/client_backchannel_logout.go (cases "mirror Pocket ID 2.17.0's TestBackchannelLogoutURLValidation")
  backchannelLogout: '2.17.0',
  // [peer] app setting autoCreateOidcClientSecret and createdSecret in the create answer: irashack
  // internal/client/app_config.go and internal/resources/application_config_settings.go; the createdSecret
  // shape: axnic provider/internal/pocketidclient/oidc_clients.go
  autoCreatedClientSecret: '2.17.0',
  // [peer] GET /api/oidc/logo-presets: irashack internal/client/logo_presets.go
  logoPresets: '2.18.0',
} as const satisfies Readonly<Record<string, KnownRelease>>;

export type Feature = keyof typeof FEATURES;

interface Semver {
  readonly core: readonly [number, number, number];
  readonly preRelease: boolean;
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

function parseSemver(version: string): Semver | undefined {
  const m = SEMVER.exec(version.trim());
  return m ? { core: [Number(m[1]), Number(m[2]), Number(m[3])], preRelease: m[4] !== undefined } : undefined;
}

/** Pre-releases of one version are not ordered among themselves: no known release is one. */
function compareSemver(a: Semver, b: Semver): number {
  for (let i = 0; i < 3; i++) {
    if (a.core[i] !== b.core[i]) return a.core[i] - b.core[i];
  }
  return Number(b.preRelease) - Number(a.preRelease);
}

function releaseToPlay(announced: string): KnownRelease {
  const version = parseSemver(announced);
  if (version === undefined) return RELEASES[RELEASES.length - 1];
  const notAbove = RELEASES.filter((r) => compareSemver(parseSemver(r)!, version) <= 0);
  return notAbove[notAbove.length - 1] ?? RELEASES[0];
}

/** The release an instance announces, and the one whose behaviour it plays. */
export class Release {
  readonly plays: KnownRelease;

  constructor(readonly announced: string) {
    this.plays = releaseToPlay(announced);
  }

  atLeast(release: KnownRelease): boolean {
    return compareSemver(parseSemver(this.plays)!, parseSemver(release)!) >= 0;
  }

  has(feature: Feature): boolean {
    return this.atLeast(FEATURES[feature]);
  }
}
