import type { IconLibrary } from './logo-presets';
import type { Release } from './releases';
import { Store } from './store';
import type { SigningKey } from './well-known';

/** What every handler sees: the entities and the server-wide settings. */
export interface ServerState {
  readonly store: Store;
  /** What GET /api/version/current announces, and the release whose behaviour is played. */
  readonly release: Release;
  /** Whether the logo presets (2.18+) can be searched. */
  readonly iconLibrary: IconLibrary;
  /** Where the icon library's images are; undefined: the default library. */
  readonly iconLibraryUrl?: string;
  /** The instance's own signing key, published in its JWKS. */
  readonly signingKey: SigningKey;
  /** UI_CONFIG_DISABLED: the configuration comes from the environment; its PUT is refused, its passwords masked. */
  readonly uiConfigDisabled: boolean;
  /** Pocket-ID's APP_URL: the issuer and the base of login links. */
  appUrl(): string;
}
