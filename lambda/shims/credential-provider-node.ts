/**
 * The SDK's default credential chain also reads profiles, SSO, web identity and the instance metadata
 * service, and bundles three nested clients to do it. Lambda always hands a function its role's
 * credentials in environment variables, so the handler's bundle keeps only that source.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
