export * from './pocket-id';
export * from './oidc-client';
export * from './user';
export * from './user-group';
// --- SCIM service providers ---
export * from './scim-service-provider';
// --- end SCIM service providers ---
export * from './signup-token';
// --- APIs ---
export * from './api';
export * from './api-grant';
// --- end of APIs ---
export * from './application-configuration';
