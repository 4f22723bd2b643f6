export * from './pocket-id';
export * from './oidc-client';
export * from './user';
export * from './user-group';
// --- APIs ---
export * from './api';
export * from './api-grant';
// --- end of APIs ---
