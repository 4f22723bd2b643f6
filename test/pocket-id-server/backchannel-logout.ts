import type { Handler } from './routes';
import { BackchannelLogout, Store } from './store';

/**
 * 2.17+ (PR pocket-id#1734, its description): when a user loses access to a client that has a
 * backchannelLogoutURL, Pocket-ID sends that client a logout token for the user (`sub` only, no session).
 * This server records the notice instead of sending it. Losing access: the user is disabled or deleted,
 * the client is deleted, or the user is no longer allowed on a group-restricted client (restriction turned
 * on, allowed groups edited from either side, group members or a user's groups changed, a group deleted).
 * Not played: a user revoking a client (no such admin route) and LDAP sync.
 */

/** Not group-restricted, or the user is in one of its allowed groups; a disabled user has access to nothing. */
function hasAccess(store: Store, clientId: string, userId: string): boolean {
  const client = store.clients.get(clientId);
  const user = store.users.get(userId);
  if (!client || !user || user.disabled) return false;
  if (!client.isGroupRestricted) return true;
  const allowed = new Set(store.allowedGroupIdsOfClient(clientId));
  return store.groupIdsOfUser(userId).some((groupId) => allowed.has(groupId));
}

function accessesToBackchannelClients(store: Store): BackchannelLogout[] {
  const clients = [...store.clients.values()].filter((c) => c.backchannelLogoutURL !== '');
  const userIds = [...store.users.keys()];
  return clients.flatMap((c) => userIds.filter((userId) => hasAccess(store, c.id, userId)).map((userId) => ({ clientId: c.id, userId })));
}

/** Wraps a handler that can cost users their access: each access it ends becomes a logout notice. */
export function withLogoutNotices(handle: Handler): Handler {
  return (ctx, state, userId) => {
    if (!state.release.has('backchannelLogout')) return handle(ctx, state, userId);
    const { store } = state;
    const before = accessesToBackchannelClients(store);
    const response = handle(ctx, state, userId);
    store.backchannelLogouts.push(...before.filter((access) => !hasAccess(store, access.clientId, access.userId)));
    return response;
  };
}
