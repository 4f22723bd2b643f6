import { Store } from './store';

/** What every handler sees: the entities and the server-wide settings. */
export interface ServerState {
  readonly store: Store;
  readonly version: string;
  /** Pocket-ID's APP_URL: the issuer and the base of login links. */
  appUrl(): string;
}
