export * from './pocket-id';
export * from './oidc-client';
export * from './user';
export * from './user-group';
export * from './client-logo';
export * from './application-image';
export * from './application-images';
