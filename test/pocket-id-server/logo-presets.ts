import { logoPresetsDisabled, logoPresetsUnavailable } from './errors';
import { ApiResponse, jsonResponse, RequestContext } from './http';
import { ServerState } from './state';

/**
 * [peer] 2.18+ GET /api/oidc/logo-presets?search=: the server's search of its icon library (ICON_LIBRARY_URL,
 * by default the selfh.st icons through jsDelivr), as irashack internal/client/logo_presets.go describes
 * it: a bare array of at most 30, an exact name or reference first, then prefixes, then substrings
 * (tags are not played); an empty search lists the library alphabetically. The library here is a small
 * fixture, never downloaded.
 */

/** 'disabled': ICON_LIBRARY_URL=disabled; 'unavailable': its index cannot be loaded. */
export type IconLibrary = 'available' | 'disabled' | 'unavailable';

const LIBRARY_URL = 'https://cdn.jsdelivr.net/gh/selfhst/icons';
const MAX_RESULTS = 30;

interface Icon {
  readonly name: string;
  readonly reference: string;
  /** Whether the library has a white variant for dark backgrounds. */
  readonly light?: boolean;
}

const ICONS: ReadonlyArray<Icon> = [
  { name: 'AdGuard Home', reference: 'adguard-home' },
  { name: 'Audiobookshelf', reference: 'audiobookshelf' },
  { name: 'Authentik', reference: 'authentik', light: true },
  { name: 'Bitwarden', reference: 'bitwarden' },
  { name: 'BookStack', reference: 'bookstack' },
  { name: 'Calibre-Web', reference: 'calibre-web' },
  { name: 'Cloudflare', reference: 'cloudflare' },
  { name: 'Code Server', reference: 'code-server' },
  { name: 'Dozzle', reference: 'dozzle' },
  { name: 'Emby', reference: 'emby' },
  { name: 'Forgejo', reference: 'forgejo' },
  { name: 'Gitea', reference: 'gitea' },
  { name: 'GitHub', reference: 'github', light: true },
  { name: 'GitLab', reference: 'gitlab' },
  { name: 'Grafana', reference: 'grafana' },
  { name: 'Home Assistant', reference: 'home-assistant', light: true },
  { name: 'Homepage', reference: 'homepage' },
  { name: 'Homer', reference: 'homer' },
  { name: 'Immich', reference: 'immich' },
  { name: 'Jellyfin', reference: 'jellyfin', light: true },
  { name: 'Jellyseerr', reference: 'jellyseerr' },
  { name: 'Kavita', reference: 'kavita' },
  { name: 'Komga', reference: 'komga' },
  { name: 'Linkding', reference: 'linkding' },
  { name: 'Mastodon', reference: 'mastodon' },
  { name: 'Mealie', reference: 'mealie' },
  { name: 'Miniflux', reference: 'miniflux', light: true },
  { name: 'Navidrome', reference: 'navidrome' },
  { name: 'Nextcloud', reference: 'nextcloud', light: true },
  { name: 'Outline', reference: 'outline', light: true },
  { name: 'Overseerr', reference: 'overseerr' },
  { name: 'Paperless-ngx', reference: 'paperless-ngx' },
  { name: 'Plex', reference: 'plex' },
  { name: 'Pocket ID', reference: 'pocket-id', light: true },
  { name: 'Portainer', reference: 'portainer' },
  { name: 'Proxmox', reference: 'proxmox' },
  { name: 'Seerr', reference: 'seerr' },
  { name: 'Sonarr', reference: 'sonarr' },
  { name: 'Traefik', reference: 'traefik' },
  { name: 'Uptime Kuma', reference: 'uptime-kuma' },
  { name: 'Vaultwarden', reference: 'vaultwarden', light: true },
];

/** 0 exact, 1 prefix, 2 substring, of the name or the reference; undefined when neither matches. */
function rank(icon: Icon, term: string): number | undefined {
  const texts = [icon.name.toLowerCase(), icon.reference];
  if (texts.some((t) => t === term)) return 0;
  if (texts.some((t) => t.startsWith(term))) return 1;
  if (texts.some((t) => t.includes(term))) return 2;
  return undefined;
}

function alphabetically(a: Icon, b: Icon): number {
  const [x, y] = [a.name.toLowerCase(), b.name.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}

function search(term: string): Icon[] {
  const ranked = ICONS.map((icon) => ({ icon, rank: rank(icon, term) })).filter((r): r is { icon: Icon; rank: number } => r.rank !== undefined);
  return ranked.sort((a, b) => a.rank - b.rank || alphabetically(a.icon, b.icon)).map((r) => r.icon);
}

function presetDto(icon: Icon, library: string): object {
  return {
    name: icon.name,
    reference: icon.reference,
    logoUrl: `${library}/svg/${icon.reference}.svg`,
    darkLogoUrl: icon.light ? `${library}/svg/${icon.reference}-light.svg` : null,
  };
}

export function searchLogoPresets(ctx: RequestContext, { iconLibrary, iconLibraryUrl }: ServerState): ApiResponse {
  if (iconLibrary === 'disabled') throw logoPresetsDisabled();
  if (iconLibrary === 'unavailable') throw logoPresetsUnavailable();
  const term = (ctx.query.get('search') ?? '').trim().toLowerCase();
  return jsonResponse(200, search(term).slice(0, MAX_RESULTS).map((icon) => presetDto(icon, iconLibraryUrl ?? LIBRARY_URL)));
}
