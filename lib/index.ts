export * from './pocket-id';
export * from './oidc-client';
