/**
 * Bad input: a table of invalid props and properties, each with the place it must be caught and the
 * field its error must name.
 *
 * - At synth, through the constructs: values of the wrong type and null where a value is required,
 *   as jsii passes them from JavaScript, Python, Java or Go; empty strings; over-long names; invalid
 *   URLs and schemes; names Pocket-ID keeps unique declared twice; references across Pocket-ID
 *   instances. Values that are tokens until deploy time pass synth, and the properties CloudFormation
 *   would deliver once they resolve to bad values go to the handler.
 * - At deploy, through the bundled handler in its own process, with raw CloudFormation properties:
 *   resolved tokens, wrong types as CloudFormation delivers them, missing properties, an unknown
 *   resource type, an unknown contract version. Each must get FAILED with a Reason naming the field,
 *   leave the handler's container alive, and leave Pocket-ID and Secrets Manager as they were.
 *
 * Every row's outcome goes to test-reports/reliability/bad-input.json. Rows marked `knownBug` describe
 * what the handler should do; they run as `test.failing` until the handler does it.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  Api,
  ApiGrant,
  ApiProps,
  ApplicationConfiguration,
  ApplicationConfigurationProps,
  ApplicationImages,
  ApplicationImagesProps,
  ClientLogo,
  GroupMembership,
  LogLevel,
  OidcClient,
  OidcClientProps,
  PocketId,
  PocketIdProps,
  ScimServiceProvider,
  ScimServiceProviderProps,
  SignupToken,
  User,
  UserGroup,
  UserGroupProps,
  UserProps,
} from '../../lib';
import { ResourceType } from '../../lib/contract';
import { PocketIdTestServer } from '../pocket-id-server';
import { AcceptanceRun, without } from '../support/acceptance';
import { CloudFormationSimulator, failureReason, Step } from '../support/cloudformation';
import { LambdaContainer } from '../support/lambda-container';
import { BadInputRow } from './support/bad-input-row';
import { PocketIdDirectory } from '../support/pocket-id-directory';
import { isRealPocketId } from '../support/pocket-id-target';
import { scanSynthesizedTemplates } from '../support/template-exposure';

const REPORT_FILE = path.join(__dirname, '..', '..', 'test-reports', 'reliability', 'bad-input.json');

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT);
const { run, secrets, properties } = acceptance;
// The templates synthesized here, and the synth-time error messages, are part of the run's exposure scan.
scanSynthesizedTemplates({ scan: acceptance.exposure });

let server: PocketIdTestServer;
let directory: PocketIdDirectory;
let cfn: CloudFormationSimulator;
let container: LambdaContainer;
/** Entities made before the table, for rows about taken names and updates. */
let existingClientId: string;
let existingClientProps: Record<string, unknown>;
let takenUsername: string;
let takenGroupName: string;

const records: BadInputRow[] = [];

afterAll(() => acceptance.stop());

afterAll(() => {
  fs.mkdirSync(path.dirname(REPORT_FILE), { recursive: true });
  const order = (record: BadInputRow) => [...SYNTH_ROWS, ...TOKEN_ROWS, ...DEPLOY_ROWS].findIndex((row) => row.id === record.id);
  const rows = [...records].sort((a, b) => order(a) - order(b));
  fs.writeFileSync(REPORT_FILE, `${JSON.stringify({ generatedAt: new Date().toISOString(), rows }, null, 2)}\n`);
});

// (a) At synth, through the constructs

/** What a synth row builds in: a stack, its Pocket-ID, and another instance. */
interface SynthScope {
  readonly app: App;
  readonly stack: Stack;
  readonly pocketId: PocketId;
  /** Another Pocket-ID instance in the same stack. */
  readonly other: PocketId;
}

interface SynthRow {
  readonly id: string;
  readonly subject: string;
  readonly input: string;
  /** The construct prop the error must name. */
  readonly field: string;
  readonly build: (scope: SynthScope) => void;
  /** The error synth must fail with; undefined for control rows that must synthesize. */
  readonly message?: RegExp;
  readonly knownBug?: string;
}

const long = (length: number) => 'x'.repeat(length);

function synthScope(): SynthScope {
  const app = new App();
  const stack = new Stack(app, 'BadInput', { env: { account: '123456789012', region: 'eu-west-1' } });
  const pocketId = new PocketId(stack, 'PocketId', { baseUrl: 'https://auth.example.com', apiToken: tokenSecret(stack, 'Token') });
  const other = new PocketId(stack, 'Other', { baseUrl: 'https://other.example.com', apiToken: tokenSecret(stack, 'OtherToken') });
  return { app, stack, pocketId, other };
}

function tokenSecret(scope: Stack, id: string): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretNameV2(scope, id, `pocket-id/${id}`);
}

/**
 * Constructs with `extra` props that may be of any type: what jsii delivers when the caller's language
 * does not stop it (JavaScript, Python with its type checks off, null from any language, Go's nil).
 */
type AnyProps = Record<string, unknown>;
const PRIVATE_JWK = JSON.stringify({ kty: 'EC', crv: 'P-256', kid: 'agent-1', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI' });
const client = (s: SynthScope, extra: AnyProps) => new OidcClient(s.stack, 'Client', { pocketId: s.pocketId, name: 'web', ...extra } as OidcClientProps);
const user = (s: SynthScope, extra: AnyProps, id = 'User') => new User(s.stack, id, { pocketId: s.pocketId, username: 'alice', ...extra } as UserProps);
const group = (s: SynthScope, extra: AnyProps, id = 'Group') => new UserGroup(s.stack, id, { pocketId: s.pocketId, name: 'admins', friendlyName: 'Admins', ...extra } as UserGroupProps);
const api = (s: SynthScope, extra: AnyProps, id = 'Api') => new Api(s.stack, id, { pocketId: s.pocketId, name: 'Orders', resource: 'https://api.example.com', ...extra } as ApiProps);
const appConfig = (s: SynthScope, extra: AnyProps, id = 'Config') => new ApplicationConfiguration(s.stack, id, { pocketId: s.pocketId, ...extra } as ApplicationConfigurationProps);
const pocketIdWith = (s: SynthScope, extra: AnyProps) =>
  new PocketId(s.stack, 'Third', { baseUrl: 'https://third.example.com', apiToken: tokenSecret(s.stack, 'ThirdToken'), ...extra } as PocketIdProps);

// SCIM service providers
const scimProvider = (s: SynthScope, extra: AnyProps, id = 'Scim') => new ScimServiceProvider(s.stack, id, {
  client: (s.stack.node.tryFindChild('Grafana') as OidcClient | undefined) ?? OidcClient.fromClientId(s.stack, 'Grafana', s.pocketId, 'grafana'),
  endpoint: 'https://grafana.example.com/scim',
  token: (s.stack.node.tryFindChild('ScimToken') as secretsmanager.ISecret | undefined) ?? tokenSecret(s.stack, 'ScimToken'),
  ...extra,
} as ScimServiceProviderProps);

const SYNTH_ROWS: SynthRow[] = [
  // OidcClient
  { id: 'S01', subject: 'OidcClient', input: 'name: null (Java null, Python None)', field: 'name', build: (s) => client(s, { name: null }), message: /name is required/ },
  { id: 'S02', subject: 'OidcClient', input: 'name left out (a Go nil pointer)', field: 'name', build: (s) => client(s, { name: undefined }), message: /name is required/ },
  { id: 'S03', subject: 'OidcClient', input: 'name: 42 (a number)', field: 'name', build: (s) => client(s, { name: 42 }), message: /name must be a string \(got the number 42\)/ },
  { id: 'S04', subject: 'OidcClient', input: "name: ''", field: 'name', build: (s) => client(s, { name: '' }), message: /name must not be empty/ },
  { id: 'S05', subject: 'OidcClient', input: 'name of 51 characters', field: 'name', build: (s) => client(s, { name: long(51) }), message: /name must be at most 50 characters \(got 51\)/ },
  { id: 'S06', subject: 'OidcClient', input: "callbackUrls: 'https://app.example.com/cb' (a string, not a list)", field: 'callbackUrls', build: (s) => client(s, { callbackUrls: 'https://app.example.com/cb' }), message: /callbackUrls must be a list of strings \(got the string/ },
  { id: 'S07', subject: 'OidcClient', input: 'callbackUrls with a null item', field: 'callbackUrls', build: (s) => client(s, { callbackUrls: ['https://app.example.com/cb', null] }), message: /callbackUrls\[1\] must be a string \(got null\)/ },
  { id: 'S08', subject: 'OidcClient', input: "callbackUrls: ['app.example.com/cb'] (no scheme)", field: 'callbackUrls', build: (s) => client(s, { callbackUrls: ['app.example.com/cb'] }), message: /callbackUrls\[0\] must start with a scheme/ },
  { id: 'S09', subject: 'OidcClient', input: "callbackUrls: ['JavaScript:alert(1)']", field: 'callbackUrls', build: (s) => client(s, { callbackUrls: ['JavaScript:alert(1)'] }), message: /callbackUrls\[0\] must not use the javascript: scheme/ },
  { id: 'S10', subject: 'OidcClient', input: "logoutCallbackUrls: ['data:text/html,x']", field: 'logoutCallbackUrls', build: (s) => client(s, { logoutCallbackUrls: ['data:text/html,x'] }), message: /logoutCallbackUrls\[0\] must not use the data: scheme/ },
  { id: 'S11', subject: 'OidcClient', input: "launchUrl: 'app.example.com' (not absolute)", field: 'launchUrl', build: (s) => client(s, { launchUrl: 'app.example.com' }), message: /launchUrl must be an absolute URL/ },
  { id: 'S12', subject: 'OidcClient', input: "clientId: ''", field: 'clientId', build: (s) => client(s, { clientId: '' }), message: /clientId must be at least 2 characters/ },
  { id: 'S13', subject: 'OidcClient', input: 'clientId of 129 characters', field: 'clientId', build: (s) => client(s, { clientId: long(129) }), message: /clientId must be at most 128 characters/ },
  { id: 'S14', subject: 'OidcClient', input: 'description of 151 characters', field: 'description', build: (s) => client(s, { description: long(151) }), message: /description must be at most 150 characters/ },
  { id: 'S15', subject: 'OidcClient', input: "isPublic: 'false' (a string: truthy in JavaScript, it would make a public client)", field: 'isPublic', build: (s) => client(s, { isPublic: 'false' }), message: /isPublic must be true or false \(got the string 'false'\)/ },
  { id: 'S16', subject: 'OidcClient', input: 'accessTokenLifetime: 30 (a number, not a Duration)', field: 'accessTokenLifetime', build: (s) => client(s, { accessTokenLifetime: 30 }), message: /accessTokenLifetime must be a Duration/ },
  { id: 'S17', subject: 'OidcClient', input: 'refreshTokenLifetime: Duration.days(400)', field: 'refreshTokenLifetime', build: (s) => client(s, { refreshTokenLifetime: Duration.days(400) }), message: /refreshTokenLifetime must be between 1 minute and 365 days/ },
  { id: 'S18', subject: 'OidcClient', input: 'federatedIdentities: [{ issuer: null }]', field: 'federatedIdentities[0].issuer', build: (s) => client(s, { federatedIdentities: [{ issuer: null }] }), message: /federatedIdentities\[0\]\.issuer is required/ },
  { id: 'S19', subject: 'OidcClient', input: "removalPolicy: 'garbage'", field: 'removalPolicy', build: (s) => client(s, { removalPolicy: 'garbage' }), message: /removalPolicy must be one of RemovalPolicy\.DESTROY/ },
  { id: 'S20', subject: 'OidcClient', input: 'pocketId: null', field: 'pocketId', build: (s) => client(s, { pocketId: null }), message: /pocketId is required/ },
  { id: 'S21', subject: 'OidcClient', input: "pocketId: 'https://auth.example.com' (a URL, not a PocketId)", field: 'pocketId', build: (s) => client(s, { pocketId: 'https://auth.example.com' }), message: /pocketId must be a PocketId/ },
  { id: 'S22', subject: 'OidcClient', input: 'allowedUserGroups: a group of another Pocket-ID instance', field: 'allowedUserGroups', build: (s) => client(s, { allowedUserGroups: [new UserGroup(s.stack, 'Foreign', { pocketId: s.other, name: 'admins', friendlyName: 'Admins' })] }), message: /allowedUserGroups\[0\]: user group '.*Foreign' belongs to the Pocket-ID instance '.*Other'/ },
  { id: 'S23', subject: 'OidcClient', input: "allowedUserGroups: ['admins'] (a name, not a group)", field: 'allowedUserGroups', build: (s) => client(s, { allowedUserGroups: ['admins'] }), message: /allowedUserGroups\[0\] must be a user group/ },
  { id: 'S24', subject: 'OidcClient', input: 'allowGroup(a group looked up in another Pocket-ID instance)', field: 'allowGroup', build: (s) => client(s, {}).allowGroup(UserGroup.fromGroupName(s.stack, 'ForeignOps', s.other, 'ops')), message: /allowGroup\(group\): user group '.*ForeignOps' belongs to the Pocket-ID instance '.*Other'/ },
  // User
  { id: 'S25', subject: 'User', input: 'username: 42 (a Python int)', field: 'username', build: (s) => user(s, { username: 42 }), message: /username must be a string \(got the number 42\)/ },
  { id: 'S26', subject: 'User', input: 'username: null', field: 'username', build: (s) => user(s, { username: null }), message: /username is required/ },
  { id: 'S27', subject: 'User', input: "username: ''", field: 'username', build: (s) => user(s, { username: '' }), message: /username must not be empty/ },
  { id: 'S28', subject: 'User', input: 'username of 51 characters', field: 'username', build: (s) => user(s, { username: long(51) }), message: /username must be at most 50 characters/ },
  { id: 'S29', subject: 'User', input: "username: 'alice liddell'", field: 'username', build: (s) => user(s, { username: 'alice liddell' }), message: /username may contain only letters, digits/ },
  { id: 'S30', subject: 'User', input: "email: 'alice@'", field: 'email', build: (s) => user(s, { email: 'alice@' }), message: /email must be an email address/ },
  { id: 'S31', subject: 'User', input: "email: ''", field: 'email', build: (s) => user(s, { email: '' }), message: /email must be an email address/ },
  { id: 'S32', subject: 'User', input: 'firstName of 51 characters', field: 'firstName', build: (s) => user(s, { firstName: long(51) }), message: /firstName must be at most 50 characters/ },
  { id: 'S33', subject: 'User', input: 'customClaims: { level: 3 } (a number value)', field: 'customClaims', build: (s) => user(s, { customClaims: { level: 3 } }), message: /customClaims\.level must be a string \(got the number 3\)/ },
  { id: 'S34', subject: 'User', input: "customClaims: [{ key: 'level', value: '3' }] (a list, not a map)", field: 'customClaims', build: (s) => user(s, { customClaims: [{ key: 'level', value: '3' }] }), message: /customClaims must be a map of strings to strings/ },
  { id: 'S35', subject: 'User', input: "customClaims: { sub: 'x' } (a reserved claim)", field: 'customClaims', build: (s) => user(s, { customClaims: { sub: 'x' } }), message: /customClaims\.sub is a claim Pocket-ID sets itself/ },
  { id: 'S36', subject: 'User', input: "isAdmin: 'true' (a string)", field: 'isAdmin', build: (s) => user(s, { isAdmin: 'true' }), message: /isAdmin must be true or false/ },
  { id: 'S37', subject: 'User', input: 'loginLink: { lifetime: 3600 } (seconds as a number)', field: 'loginLink.lifetime', build: (s) => user(s, { loginLink: { lifetime: 3600 } }), message: /loginLink\.lifetime must be a Duration/ },
  { id: 'S38', subject: 'User', input: "removalPolicy: 'garbage'", field: 'removalPolicy', build: (s) => user(s, { removalPolicy: 'garbage' }), message: /removalPolicy must be one of/ },
  { id: 'S39', subject: 'User', input: "userId: 'alice' (not a UUID)", field: 'userId', build: (s) => user(s, { userId: 'alice' }), message: /userId must be a UUID/ },
  { id: 'S40', subject: 'User', input: "username 'alice' and 'Alice' in one stack", field: 'username', build: (s) => { user(s, {}, 'Alice'); user(s, { username: 'Alice' }, 'AliceAgain'); }, message: /username 'Alice' is already declared by 'BadInput\/Alice'.*ignoring case/ },
  { id: 'S41', subject: 'User', input: 'one email for two users in one stack', field: 'email', build: (s) => { user(s, { email: 'a@example.com' }, 'A'); user(s, { username: 'bob', email: 'a@example.com' }, 'B'); }, message: /email 'a@example.com' is already declared by 'BadInput\/A'/ },
  {
    id: 'S42',
    subject: 'User',
    input: 'one username in two stacks of one app, each with its own PocketId for the same URL',
    field: 'username',
    build: (s) => {
      user(s, {}, 'Alice');
      const second = new Stack(s.app, 'Second', { env: { account: '123456789012', region: 'eu-west-1' } });
      const sameServer = new PocketId(second, 'PocketId', { baseUrl: 'https://auth.example.com/', apiToken: tokenSecret(second, 'Token') });
      new User(second, 'Alice', { pocketId: sameServer, username: 'alice' });
    },
    message: /username 'alice' is already declared by 'BadInput\/Alice' for the same Pocket-ID \(https:\/\/auth\.example\.com\)/,
  },
  // UserGroup
  { id: 'S43', subject: 'UserGroup', input: 'name: null', field: 'name', build: (s) => group(s, { name: null }), message: /name is required/ },
  { id: 'S44', subject: 'UserGroup', input: "friendlyName: ''", field: 'friendlyName', build: (s) => group(s, { friendlyName: '' }), message: /friendlyName must be at least 2 characters/ },
  { id: 'S45', subject: 'UserGroup', input: 'name of 256 characters', field: 'name', build: (s) => group(s, { name: long(256) }), message: /name must be at most 255 characters/ },
  { id: 'S46', subject: 'UserGroup', input: "members: 'alice' (a username, not a list of users)", field: 'members', build: (s) => group(s, { members: 'alice' }), message: /members must be a list, each item a user/ },
  { id: 'S47', subject: 'UserGroup', input: 'members: [a user of another Pocket-ID instance]', field: 'members', build: (s) => group(s, { members: [new User(s.stack, 'Stranger', { pocketId: s.other, username: 'stranger' })] }), message: /members\[0\]: user '.*Stranger' belongs to the Pocket-ID instance '.*Other'/ },
  { id: 'S48', subject: 'UserGroup', input: 'addMember(a user looked up in another Pocket-ID instance)', field: 'addMember', build: (s) => group(s, {}).addMember(User.fromUsername(s.stack, 'ForeignBob', s.other, 'bob')), message: /addMember\(user\): user '.*ForeignBob' belongs to the Pocket-ID instance '.*Other'/ },
  { id: 'S49', subject: 'UserGroup', input: "membership: 'strict'", field: 'membership', build: (s) => group(s, { membership: 'strict' }), message: /membership must be one of GroupMembership\.MERGE, GroupMembership\.EXCLUSIVE/ },
  { id: 'S50', subject: 'UserGroup', input: "group name 'admins' declared twice in one stack", field: 'name', build: (s) => { group(s, {}, 'Admins'); group(s, { friendlyName: 'Admins again' }, 'AdminsAgain'); }, message: /name 'admins' is already declared by 'BadInput\/Admins'.*group names unique/ },
  { id: 'S51', subject: 'UserGroup', input: "customClaims: { groups: 'x' } (a reserved claim)", field: 'customClaims', build: (s) => group(s, { customClaims: { groups: 'x' } }), message: /customClaims\.groups is a claim Pocket-ID sets itself/ },
  // PocketId
  { id: 'S52', subject: 'PocketId', input: "baseUrl: 'ftp://auth.example.com'", field: 'baseUrl', build: (s) => pocketIdWith(s, { baseUrl: 'ftp://auth.example.com' }), message: /baseUrl must be an absolute http:\/\/ or https:\/\/ URL/ },
  { id: 'S53', subject: 'PocketId', input: "baseUrl: 'auth.example.com' (no scheme)", field: 'baseUrl', build: (s) => pocketIdWith(s, { baseUrl: 'auth.example.com' }), message: /baseUrl must be an absolute http:\/\/ or https:\/\/ URL/ },
  { id: 'S54', subject: 'PocketId', input: "issuerUrl: 'not a url'", field: 'issuerUrl', build: (s) => pocketIdWith(s, { issuerUrl: 'not a url' }), message: /issuerUrl must be an absolute http:\/\/ or https:\/\/ URL/ },
  { id: 'S55', subject: 'PocketId', input: 'timeout: 30 (a number, not a Duration)', field: 'timeout', build: (s) => pocketIdWith(s, { timeout: 30 }), message: /timeout must be a Duration/ },
  { id: 'S56', subject: 'PocketId', input: 'timeout: Duration.minutes(5)', field: 'timeout', build: (s) => pocketIdWith(s, { timeout: Duration.minutes(5) }), message: /timeout must be between 1 and 120 seconds/ },
  { id: 'S57', subject: 'PocketId', input: "logLevel: 'verbose'", field: 'logLevel', build: (s) => pocketIdWith(s, { logLevel: 'verbose' }), message: /logLevel must be one of LogLevel\.DEBUG/ },
  { id: 'S58', subject: 'PocketId', input: 'apiToken: the key itself, as a string', field: 'apiToken', build: (s) => pocketIdWith(s, { apiToken: 'a-pocket-id-api-key-value' }), message: /apiToken must be a Secrets Manager secret/ },
  { id: 'S59', subject: 'PocketId', input: "skipTlsVerify: 'false' (a string: truthy, it would turn TLS verification off)", field: 'skipTlsVerify', build: (s) => pocketIdWith(s, { skipTlsVerify: 'false' }), message: /skipTlsVerify must be true or false/ },
  // Controls: what Pocket-ID allows must keep synthesizing.
  { id: 'S60', subject: 'User', input: 'control: one username on two different Pocket-ID instances', field: 'username', build: (s) => { user(s, {}, 'Here'); new User(s.stack, 'There', { pocketId: s.other, username: 'alice' }); } },
  { id: 'S61', subject: 'UserGroup', input: "control: group names 'admins' and 'Admins' (Pocket-ID compares them exactly)", field: 'name', build: (s) => { group(s, {}, 'Lower'); group(s, { name: 'Admins' }, 'Upper'); } },
  { id: 'S62', subject: 'UserGroup', input: 'control: GroupMembership.EXCLUSIVE and LogLevel.DEBUG pass the type checks', field: 'membership', build: (s) => { group(s, { membership: GroupMembership.EXCLUSIVE }); pocketIdWith(s, { logLevel: LogLevel.DEBUG }); } },
  {
    id: 'S63',
    subject: 'UserGroup',
    input: 'control: a member made in another stack with its own PocketId for the same URL',
    field: 'members',
    build: (s) => {
      const people = new Stack(s.app, 'People', { env: { account: '123456789012', region: 'eu-west-1' } });
      const samePocketId = new PocketId(people, 'PocketId', { baseUrl: 'https://AUTH.example.com', apiToken: tokenSecret(people, 'Token') });
      group(s, { members: [new User(people, 'Bob', { pocketId: samePocketId, username: 'bob' })] });
    },
  },
  { id: 'S64', subject: 'OidcClient', input: "backchannelLogoutUrl: 'ftp://app.example.com/logout'", field: 'backchannelLogoutUrl', build: (s) => client(s, { backchannelLogoutUrl: 'ftp://app.example.com/logout' }), message: /backchannelLogoutUrl must be an absolute http:\/\/ or https:\/\/ URL/ },
  { id: 'S65', subject: 'OidcClient', input: "backchannelLogoutUrl: 'http://…' on a public client", field: 'backchannelLogoutUrl', build: (s) => client(s, { isPublic: true, backchannelLogoutUrl: 'http://app.example.com/logout' }), message: /backchannelLogoutUrl must use https:\/\/ for a public client/ },
  { id: 'S66', subject: 'OidcClient', input: 'federatedIdentities[0].publicKeys: a private JWK', field: 'federatedIdentities[0].publicKeys', build: (s) => client(s, { federatedIdentities: [{ issuer: 'https://agent.example.com', publicKeys: [PRIVATE_JWK] }] }), message: /federatedIdentities\[0\]\.publicKeys\[0\] holds private key material \(d\)/ },
  // APIs
  { id: 'SA01', subject: 'Api', input: "resource: 'https://api.example.com/' (a trailing slash Pocket-ID would drop)", field: 'resource', build: (s) => api(s, { resource: 'https://api.example.com/' }), message: /resource must not end with '\/'/ },
  { id: 'SA02', subject: 'Api', input: "permissions[0].key: 'OpenID' (reserved, ignoring case)", field: 'permissions[0].key', build: (s) => api(s, { permissions: [{ key: 'OpenID', name: 'x' }] }), message: /permissions\[0\]\.key 'OpenID' is a scope Pocket-ID keeps for itself/ },
  { id: 'SA03', subject: 'Api', input: 'name: 42 (a number)', field: 'name', build: (s) => api(s, { name: 42 }), message: /name must be a string/ },
  { id: 'SA04', subject: 'Api', input: 'one resource declared by two APIs', field: 'resource', build: (s) => { api(s, {}, 'First'); api(s, { name: 'Second' }, 'Second'); }, message: /resource 'https:\/\/api\.example\.com' is already declared by/ },
  { id: 'SA05', subject: 'Api', input: "resource: 'https://auth.example.com' (Pocket-ID's issuer)", field: 'resource', build: (s) => api(s, { resource: 'https://auth.example.com' }), message: /resource must not be Pocket-ID's own issuer URL/ },
  { id: 'SA06', subject: 'ApiGrant', input: "clientPermissions: ['nope'] (not a permission of the Api)", field: 'clientPermissions[0]', build: (s) => api(s, { permissions: [{ key: 'read', name: 'Read' }] }).grantAccess(client(s, { isPublic: false }), { clientPermissions: ['nope'] }), message: /clientPermissions\[0\] 'nope' is not a permission of the API/ },
  { id: 'SA07', subject: 'ApiGrant', input: 'clientAccess: true for a public client', field: 'clientAccess', build: (s) => api(s, {}).grantAccess(client(s, { isPublic: true }), { clientAccess: true }), message: /clientAccess and clientPermissions need a confidential client/ },
  { id: 'SA08', subject: 'ApiGrant', input: 'a second grant for the same client and API', field: 'grant', build: (s) => { const a = api(s, {}); const c = client(s, { isPublic: false }); new ApiGrant(s.stack, 'G1', { api: a, client: c, clientAccess: true }); new ApiGrant(s.stack, 'G2', { api: a, client: c, clientAccess: true }); }, message: /grant 'of API construct .* is already declared by/ },
  { id: 'SA09', subject: 'ApiGrant', input: 'a grant that gives nothing', field: 'userDelegatedAccess', build: (s) => api(s, {}).grantAccess(client(s, { isPublic: false }), {}), message: /the grant gives nothing: set userDelegatedAccess or clientAccess/ },
  { id: 'S67', subject: 'OidcClient', input: 'federatedIdentities[0].publicKeys: a JWK object, not its JSON text', field: 'federatedIdentities[0].publicKeys', build: (s) => client(s, { federatedIdentities: [{ issuer: 'https://agent.example.com', publicKeys: [{ kty: 'EC' }] }] }), message: /federatedIdentities\[0\]\.publicKeys\[0\] must be a string/ },
  // SCIM service providers
  { id: 'S80', subject: 'ScimServiceProvider', input: "endpoint: 'http://app.example.com/scim' (not loopback)", field: 'endpoint', build: (s) => scimProvider(s, { endpoint: 'http://app.example.com/scim' }), message: /endpoint must use https:\/\// },
  { id: 'S81', subject: 'ScimServiceProvider', input: 'endpoint: null', field: 'endpoint', build: (s) => scimProvider(s, { endpoint: null }), message: /endpoint is required/ },
  { id: 'S82', subject: 'ScimServiceProvider', input: 'token: an ARN string, not a secret', field: 'token', build: (s) => scimProvider(s, { token: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:scim-AbC123' }), message: /token must be a Secrets Manager secret \(ISecret\)/ },
  { id: 'S83', subject: 'ScimServiceProvider', input: 'client: a client id string', field: 'client', build: (s) => scimProvider(s, { client: 'grafana' }), message: /client must be an OIDC client/ },
  { id: 'S84', subject: 'ScimServiceProvider', input: 'a second provider for the same client', field: 'client', build: (s) => { scimProvider(s, {}, 'First'); scimProvider(s, {}, 'Second'); }, message: /client 'grafana' is already declared by .*only one SCIM service provider per client/ },

  // ApplicationConfiguration
  { id: 'S90', subject: 'ApplicationConfiguration', input: 'applicationName of 31 characters', field: 'applicationName', build: (s) => appConfig(s, { applicationName: long(31) }), message: /applicationName must be at most 30 characters/ },
  { id: 'S91', subject: 'ApplicationConfiguration', input: 'sessionDuration: 90 seconds (not whole minutes)', field: 'sessionDuration', build: (s) => appConfig(s, { sessionDuration: Duration.seconds(90) }), message: /sessionDuration must be whole minutes/ },
  { id: 'S92', subject: 'ApplicationConfiguration', input: "smtp.from 'no-reply' (not an email address)", field: 'smtp.from', build: (s) => appConfig(s, { smtp: { from: 'no-reply' } }), message: /smtp\.from must be an email address/ },
  { id: 'S93', subject: 'ApplicationConfiguration', input: "signup.mode 'everyone' (not a SignupMode)", field: 'signup.mode', build: (s) => appConfig(s, { signup: { mode: 'everyone' } }), message: /signup\.mode must be one of SignupMode\.DISABLED, SignupMode\.WITH_TOKEN, SignupMode\.OPEN/ },
  { id: 'S94', subject: 'ApplicationConfiguration', input: "additionalSettings { appName } (a typed prop's key)", field: 'additionalSettings', build: (s) => appConfig(s, { additionalSettings: { appName: 'Acme' } }), message: /additionalSettings\.appName is set by the prop applicationName/ },
  { id: 'S95', subject: 'ApplicationConfiguration', input: 'additionalSettings { smtpPassword } (a password in the template)', field: 'additionalSettings', build: (s) => appConfig(s, { additionalSettings: { smtpPassword: 'hunter2-hunter2' } }), message: /additionalSettings\.smtpPassword: a password must not be in the template/ },
  { id: 'S96', subject: 'ApplicationConfiguration', input: 'smtp.password: a string, not an ISecret', field: 'smtp.password', build: (s) => appConfig(s, { smtp: { password: 'hunter2-hunter2' } }), message: /smtp\.password must be a Secrets Manager secret/ },
  { id: 'S97', subject: 'ApplicationConfiguration', input: 'a second configuration of the same Pocket-ID', field: 'pocketId', build: (s) => { appConfig(s, {}); appConfig(s, {}, 'Again'); }, message: /already declared by .* one application configuration/ },
  // Images (client logos, application images)
  { id: 'SI01', subject: 'OidcClient', input: "logo: 'logo.png' (a string, not a ClientLogo)", field: 'logo', build: (s) => client(s, { isPublic: true, logo: 'logo.png' }), message: /logo must be a ClientLogo/ },
  { id: 'SI02', subject: 'OidcClient', input: 'logo: ClientLogo.fromFile of a file that does not exist', field: 'logo', build: (s) => client(s, { isPublic: true, logo: ClientLogo.fromFile('/nonexistent/logo.png') }), message: /logo: cannot read the image file '\/nonexistent\/logo\.png' \(ENOENT\)/ },
  { id: 'SI03', subject: 'OidcClient', input: "darkLogo: ClientLogo.fromPreset('Not A Reference')", field: 'darkLogo', build: (s) => client(s, { isPublic: true, darkLogo: ClientLogo.fromPreset('Not A Reference') }), message: /darkLogo: 'Not A Reference' is not a logo preset reference/ },
  { id: 'SI04', subject: 'OidcClient', input: "logo: ClientLogo.fromUrl('javascript:alert(1)')", field: 'logo', build: (s) => client(s, { isPublic: true, logo: ClientLogo.fromUrl('javascript:alert(1)') }), message: /logo: 'javascript:alert\(1\)' must be an http or https URL/ },
  { id: 'SI05', subject: 'ApplicationImages', input: 'favicon: null, logo: 42', field: 'logo', build: (s) => new ApplicationImages(s.stack, 'Images', { pocketId: s.pocketId, favicon: null, logo: 42 } as unknown as ApplicationImagesProps), message: /logo must be an ApplicationImage \(ApplicationImage\.fromFile or fromUrl\) \(got the number 42\)/ },
  { id: 'SI06', subject: 'ApplicationImages', input: 'two for one Pocket-ID instance', field: 'ApplicationImages', build: (s) => { new ApplicationImages(s.stack, 'A', { pocketId: s.pocketId }); new ApplicationImages(s.stack, 'B', { pocketId: s.pocketId }); }, message: /ApplicationImages already .*one per instance/ },
  { id: 'SI07', subject: 'ApplicationImages', input: 'one for each of two instances (control)', field: 'ApplicationImages', build: (s) => { new ApplicationImages(s.stack, 'A', { pocketId: s.pocketId }); new ApplicationImages(s.stack, 'B', { pocketId: s.other }); } },
];

describe('(a) at synth, through the constructs', () => {
  for (const row of SYNTH_ROWS) {
    (row.knownBug ? test.failing : test)(`${row.id} ${row.subject} ${row.input}: ${row.message ? `fails synth naming ${row.field}` : 'synthesizes'}`, () => {
      const scope = synthScope();
      let error: Error | undefined;
      try {
        row.build(scope);
        scope.app.synth();
      } catch (caught) {
        error = caught as Error;
        acceptance.exposure.record('error', `synth row ${row.id}`, error.message);
      }
      records.push(synthRecord(row, error));
      if (!row.message) {
        expect(error?.message).toBeUndefined();
        return;
      }
      expect(error?.message).toMatch(row.message);
      expect(error?.message).toContain(row.field);
      expect(error).not.toBeInstanceOf(TypeError);
    });
  }
});

function synthRecord(row: SynthRow, error: Error | undefined): BadInputRow {
  const message = error?.message;
  let outcome: BadInputRow['outcome'] = 'accepted';
  if (error) outcome = error instanceof TypeError ? 'crashed' : row.message && row.message.test(error.message) ? 'caught-at-synth' : 'wrong-message';
  return {
    id: row.id,
    subject: row.subject,
    input: row.input,
    expected: row.message ? 'synth' : 'accepted',
    outcome,
    field: row.field,
    message: message === undefined ? undefined : shorten(message),
    messageNamesField: message?.includes(row.field) ?? false,
    knownBug: row.knownBug,
  };
}

// Tokens: synth passes, the handler catches the resolved value

interface TokenRow {
  readonly id: string;
  readonly subject: string;
  readonly input: string;
  readonly field: string;
  /** Builds the construct with CfnParameter tokens; `baseUrl` and `apiToken` reach the test server. */
  readonly build: (stack: Stack, pocketId: PocketId, param: (name: string, type?: string) => CfnParameter) => void;
  readonly resourceType: string;
  /** What the parameters resolve to at deploy time. */
  readonly values: Record<string, unknown>;
  readonly message: RegExp;
  /** The PocketId's base URL is itself a parameter. */
  readonly baseUrlParameter?: string;
  readonly knownBug?: string;
}

const TOKEN_ROWS: TokenRow[] = [
  { id: 'T01', subject: 'OidcClient', input: "name: a parameter that resolves to ''", field: 'name', resourceType: ResourceType.OIDC_CLIENT, build: (stack, pocketId, param) => new OidcClient(stack, 'Client', { pocketId, name: param('ClientName').valueAsString, isPublic: true }), values: { ClientName: '' }, message: /name must not be empty/ },
  { id: 'T02', subject: 'OidcClient', input: "callbackUrls: a list parameter that resolves to ['javascript:alert(1)']", field: 'callbackUrls', resourceType: ResourceType.OIDC_CLIENT, build: (stack, pocketId, param) => new OidcClient(stack, 'Client', { pocketId, name: 'web', isPublic: true, callbackUrls: param('Callbacks', 'CommaDelimitedList').valueAsList }), values: { Callbacks: ['javascript:alert(1)'] }, message: /callbackUrls\[0\] must not use the javascript: scheme/ },
  { id: 'T03', subject: 'OidcClient', input: "accessTokenLifetime: Duration.minutes(a parameter that resolves to '0')", field: 'accessTokenLifetime', resourceType: ResourceType.OIDC_CLIENT, build: (stack, pocketId, param) => new OidcClient(stack, 'Client', { pocketId, name: 'web', isPublic: true, accessTokenLifetime: Duration.minutes(param('Minutes', 'Number').valueAsNumber) }), values: { Minutes: '0' }, message: /accessTokenLifetime must be between 1 minute and 365 days/ },
  { id: 'T04', subject: 'OidcClient', input: "launchUrl: a parameter that resolves to '/home'", field: 'launchUrl', resourceType: ResourceType.OIDC_CLIENT, build: (stack, pocketId, param) => new OidcClient(stack, 'Client', { pocketId, name: 'web', launchUrl: param('Launch').valueAsString }), values: { Launch: '/home' }, message: /launchUrl must be an absolute URL/ },
  { id: 'T05', subject: 'User', input: "username: a parameter that resolves to 'alice liddell'", field: 'username', resourceType: ResourceType.USER, build: (stack, pocketId, param) => new User(stack, 'User', { pocketId, username: param('Username').valueAsString, email: 'alice@example.com' }), values: { Username: 'alice liddell' }, message: /username may contain only letters, digits/ },
  { id: 'T06', subject: 'User', input: "email: a parameter that resolves to 'alice@'", field: 'email', resourceType: ResourceType.USER, build: (stack, pocketId, param) => new User(stack, 'User', { pocketId, username: 'alice', email: param('Email').valueAsString }), values: { Email: 'alice@' }, message: /email must be an email address/ },
  { id: 'T07', subject: 'User', input: "customClaims: { team: a parameter that resolves to '' }", field: 'customClaims', resourceType: ResourceType.USER, build: (stack, pocketId, param) => new User(stack, 'User', { pocketId, username: 'alice', email: 'alice@example.com', customClaims: { team: param('Team').valueAsString } }), values: { Team: '' }, message: /customClaims\.team must not have an empty value/ },
  { id: 'T08', subject: 'User', input: "loginLink.lifetime: Duration.seconds(a parameter that resolves to '30')", field: 'loginLink.lifetime', resourceType: ResourceType.USER, build: (stack, pocketId, param) => new User(stack, 'User', { pocketId, username: 'alice', email: 'alice@example.com', loginLink: { lifetime: Duration.seconds(param('Lifetime', 'Number').valueAsNumber) } }), values: { Lifetime: '30' }, message: /loginLink\.lifetime must be whole seconds between 1 minute and 31 days/ },
  { id: 'T09', subject: 'UserGroup', input: "name: a parameter that resolves to 'x'", field: 'name', resourceType: ResourceType.USER_GROUP, build: (stack, pocketId, param) => new UserGroup(stack, 'Group', { pocketId, name: param('GroupName').valueAsString, friendlyName: 'Group' }), values: { GroupName: 'x' }, message: /name must be at least 2 characters/ },
  { id: 'T10', subject: 'UserGroup', input: 'friendlyName: a parameter that resolves to 51 characters', field: 'friendlyName', resourceType: ResourceType.USER_GROUP, build: (stack, pocketId, param) => new UserGroup(stack, 'Group', { pocketId, name: 'group', friendlyName: param('Friendly').valueAsString }), values: { Friendly: long(51) }, message: /friendlyName must be at most 50 characters/ },
  { id: 'T11', subject: 'User.fromUsername', input: "the username: a parameter that resolves to ''", field: 'name', resourceType: ResourceType.LOOKUP, build: (stack, pocketId, param) => new UserGroup(stack, 'Group', { pocketId, name: 'group', friendlyName: 'Group', members: [User.fromUsername(stack, 'Bob', pocketId, param('Who').valueAsString)] }), values: { Who: '' }, message: /name must not be empty/ },
  {
    id: 'T12',
    subject: 'PocketId',
    input: "baseUrl: a parameter that resolves to 'auth.example.com' (no scheme)",
    field: 'baseUrl',
    resourceType: ResourceType.OIDC_CLIENT,
    baseUrlParameter: 'BaseUrl',
    build: (stack, pocketId) => new OidcClient(stack, 'Client', { pocketId, name: 'web', isPublic: true }),
    values: { BaseUrl: 'auth.example.com' },
    message: /baseUrl must be an absolute http:\/\/ or https:\/\/ URL/,
  },
  // APIs
  { id: 'TA01', subject: 'Api', input: "resource: a parameter that resolves to 'https://api.example.com/'", field: 'resource', resourceType: ResourceType.API, build: (stack, pocketId, param) => new Api(stack, 'Api', { pocketId, name: 'Orders', resource: param('Resource').valueAsString }), values: { Resource: 'https://api.example.com/' }, message: /resource must not end with '\/'/ },
  { id: 'TA02', subject: 'Api', input: "permissions[0].key: a parameter that resolves to 'a b'", field: 'permissions[0].key', resourceType: ResourceType.API, build: (stack, pocketId, param) => new Api(stack, 'Api', { pocketId, name: 'Orders', resource: 'https://api.example.com', permissions: [{ key: param('Key').valueAsString, name: 'x' }] }), values: { Key: 'a b' }, message: /permissions\[0\]\.key may contain only printable ASCII/ },
  { id: 'T13', subject: 'OidcClient', input: "backchannelLogoutUrl: a parameter that resolves to 'https://app.example.com/logout#top'", field: 'backchannelLogoutUrl', resourceType: ResourceType.OIDC_CLIENT, build: (stack, pocketId, param) => new OidcClient(stack, 'Client', { pocketId, name: 'web', isPublic: true, backchannelLogoutUrl: param('Backchannel').valueAsString }), values: { Backchannel: 'https://app.example.com/logout#top' }, message: /backchannelLogoutUrl must not have a fragment/ },
  // SCIM service providers
  {
    id: 'T30',
    subject: 'ScimServiceProvider',
    input: "endpoint: a parameter that resolves to 'http://app.example.com/scim' (plain http, not loopback)",
    field: 'endpoint',
    resourceType: ResourceType.SCIM_SERVICE_PROVIDER,
    build: (stack, pocketId, param) => new ScimServiceProvider(stack, 'Scim', {
      client: OidcClient.fromClientId(stack, 'Grafana', pocketId, 'grafana'),
      endpoint: param('ScimEndpoint').valueAsString,
      token: secretsmanager.Secret.fromSecretCompleteArn(stack, 'ScimToken', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:scim-token-AbC123'),
    }),
    values: { ScimEndpoint: 'http://app.example.com/scim' },
    message: /endpoint must use https:\/\//,
  },
  // SignupToken
  { id: 'T32', subject: 'SignupToken', input: "usageLimit: a parameter that resolves to '0'", field: 'usageLimit', resourceType: ResourceType.SIGNUP_TOKEN, build: (stack, pocketId, param) => new SignupToken(stack, 'Invite', { pocketId, usageLimit: param('Uses', 'Number').valueAsNumber }), values: { Uses: '0' }, message: /usageLimit must be a whole number from 1 to 100/ },
  { id: 'T33', subject: 'SignupToken', input: "lifetime: Duration.seconds(a parameter that resolves to '1')", field: 'lifetime', resourceType: ResourceType.SIGNUP_TOKEN, build: (stack, pocketId, param) => new SignupToken(stack, 'Invite', { pocketId, lifetime: Duration.seconds(param('Lifetime', 'Number').valueAsNumber) }), values: { Lifetime: '1' }, message: /lifetime must be whole seconds, more than 1 second/ },
];

// (b) At deploy, through the handler, with raw CloudFormation properties

interface DeployRow {
  readonly id: string;
  readonly subject: string;
  readonly input: string;
  readonly field: string;
  readonly resourceType: string;
  /** The event: properties built from a valid base; Create unless said otherwise. */
  readonly event: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  readonly message: RegExp;
  readonly knownBug?: string;
}

const clientBase = () => properties({ Name: `bad-${run}-client`, IsPublic: 'true', CallbackUrls: ['https://app.example.com/cb'] });
const userBase = () => properties({ Username: `bad-${run}-user`, Email: `bad-${run}-user@example.com` });
const groupBase = () => properties({ Name: `bad-${run}-group`, FriendlyName: 'Bad input' });
const lookupBase = () => properties({ Kind: 'User', Name: `bad-${run}-nobody` });
const signupBase = async () => properties({ LifetimeSeconds: '3600', UsageLimit: '1', SignupLinkSecretArn: await secrets.createOwnedSecret('bad-signup-link') });
const create = (props: Record<string, unknown>) => ({ RequestType: 'Create', ResourceProperties: props });
// SCIM service providers
const scimBase = async (extra: Record<string, unknown> = {}) => properties({
  ClientId: existingClientId,
  Endpoint: 'https://scim.example.com/v2',
  TokenSecret: await secrets.create(`bad-scim-token-${run}`, `scim-token-${run}-0123456789`),
  ...extra,
});
const apiBase = () => properties({ Name: `bad-${run}-api`, Resource: `https://bad-${run}.example.com` });
const grantBase = () => properties({ ApiId: '7d6f0a52-3d1e-4b8a-9c1f-0e2d3c4b5a69', ClientId: existingClientId, ClientAccess: 'true' });

const DEPLOY_ROWS: DeployRow[] = [
  // Resource type and contract
  { id: 'D01', subject: 'any', input: 'ResourceType Custom::PocketIdApiKey (unknown to this handler)', field: 'Custom::PocketIdApiKey', resourceType: 'Custom::PocketIdApiKey', event: () => create(clientBase()), message: /does not know resource type Custom::PocketIdApiKey: update cdk-pocket-id/ },
  { id: 'D02', subject: 'OidcClient', input: "ContractVersion '99' (a newer cdk-pocket-id)", field: 'contract version', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), ContractVersion: '99' }), message: /unknown cdk-pocket-id contract version 99: update cdk-pocket-id/ },
  { id: 'D03', subject: 'OidcClient', input: 'ContractVersion missing', field: 'contract version', resourceType: ResourceType.OIDC_CLIENT, event: () => create(without(clientBase(), 'ContractVersion')), message: /contract version/ },
  // Connection
  {
    id: 'D05',
    subject: 'OidcClient',
    input: 'BaseUrl missing',
    field: 'baseUrl',
    resourceType: ResourceType.OIDC_CLIENT,
    event: () => create(without(clientBase(), 'BaseUrl')),
    message: /baseUrl is required/,
  },
  {
    id: 'D06',
    subject: 'OidcClient',
    input: "BaseUrl 'ftp://auth.example.com'",
    field: 'baseUrl',
    resourceType: ResourceType.OIDC_CLIENT,
    event: () => create({ ...clientBase(), BaseUrl: 'ftp://auth.example.com' }),
    message: /baseUrl must be an absolute http:\/\/ or https:\/\/ URL/,
  },
  {
    id: 'D07',
    subject: 'OidcClient',
    input: 'ApiTokenSecret missing',
    field: 'apiToken',
    resourceType: ResourceType.OIDC_CLIENT,
    event: () => create(without(clientBase(), 'ApiTokenSecret')),
    message: /apiToken/,
  },
  { id: 'D08', subject: 'OidcClient', input: 'ApiTokenSecret: the ARN of a secret that does not exist', field: 'does-not-exist', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), ApiTokenSecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:does-not-exist-AbCdEf' }), message: /GetSecretValue on secret arn:aws:secretsmanager:us-east-1:123456789012:secret:does-not-exist-AbCdEf failed: ResourceNotFoundException/ },
  {
    id: 'D09',
    subject: 'OidcClient',
    input: "TimeoutSeconds 'soon'",
    field: 'timeout',
    resourceType: ResourceType.OIDC_CLIENT,
    event: () => create({ ...clientBase(), TimeoutSeconds: 'soon' }),
    message: /timeout/,
  },
  // OidcClient
  { id: 'D10', subject: 'OidcClient', input: 'Name missing', field: 'name', resourceType: ResourceType.OIDC_CLIENT, event: () => create(without(clientBase(), 'Name')), message: /name is required/ },
  { id: 'D11', subject: 'OidcClient', input: "Name '' (a token resolved to an empty string)", field: 'name', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), Name: '' }), message: /name must not be empty/ },
  { id: 'D12', subject: 'OidcClient', input: 'Name of 51 characters', field: 'name', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), Name: long(51) }), message: /name must be at most 50 characters/ },
  { id: 'D13', subject: 'OidcClient', input: "Name ['a', 'b'] (a list where a string belongs)", field: 'name', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), Name: ['a', 'b'] }), message: /name/ },
  {
    id: 'D14',
    subject: 'OidcClient',
    input: "CallbackUrls 'https://a.example.com/cb,https://b.example.com/cb' (a comma-delimited string where a list belongs)",
    field: 'callbackUrls',
    resourceType: ResourceType.OIDC_CLIENT,
    event: () => create({ ...clientBase(), CallbackUrls: 'https://a.example.com/cb,https://b.example.com/cb' }),
    message: /callbackUrls must be a list/,
  },
  { id: 'D15', subject: 'OidcClient', input: "CallbackUrls [{ Url: 'https://x' }] (objects in the list)", field: 'callbackUrls', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), CallbackUrls: [{ Url: 'https://x' }] }), message: /callbackUrls\[0\] must start with a scheme/ },
  { id: 'D16', subject: 'OidcClient', input: "CallbackUrls ['app.example.com/cb'] (no scheme)", field: 'callbackUrls', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), CallbackUrls: ['app.example.com/cb'] }), message: /callbackUrls\[0\] must start with a scheme/ },
  { id: 'D17', subject: 'OidcClient', input: "LogoutCallbackUrls ['javascript:alert(1)']", field: 'logoutCallbackUrls', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), LogoutCallbackUrls: ['javascript:alert(1)'] }), message: /logoutCallbackUrls\[0\] must not use the javascript: scheme/ },
  { id: 'D18', subject: 'OidcClient', input: "LaunchUrl '/home'", field: 'launchUrl', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), LaunchUrl: '/home' }), message: /launchUrl must be an absolute URL/ },
  { id: 'D19', subject: 'OidcClient', input: "IsPublic 'yes'", field: 'isPublic', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), IsPublic: 'yes' }), message: /isPublic: expected true or false, got "yes"/ },
  { id: 'D20', subject: 'OidcClient', input: "PkceEnabled 'TRUE'", field: 'pkceEnabled', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), PkceEnabled: 'TRUE' }), message: /pkceEnabled: expected true or false/ },
  { id: 'D21', subject: 'OidcClient', input: "AccessTokenLifetimeMinutes 'soon'", field: 'accessTokenLifetime', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), AccessTokenLifetimeMinutes: 'soon' }), message: /accessTokenLifetime must be a whole number of minutes/ },
  { id: 'D22', subject: 'OidcClient', input: "RefreshTokenLifetimeMinutes ''", field: 'refreshTokenLifetime', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), RefreshTokenLifetimeMinutes: '' }), message: /refreshTokenLifetime must be a whole number of minutes/ },
  { id: 'D23', subject: 'OidcClient', input: "ClientId 'my client'", field: 'clientId', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), ClientId: 'my client' }), message: /clientId may contain only letters, digits/ },
  { id: 'D24', subject: 'OidcClient', input: "IsPublic 'true' with RequiresPushedAuthorizationRequests 'true'", field: 'requiresPushedAuthorizationRequests', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), RequiresPushedAuthorizationRequests: 'true' }), message: /requiresPushedAuthorizationRequests cannot be true for a public client/ },
  { id: 'D25', subject: 'OidcClient', input: 'a confidential client without SecretArn', field: 'SecretArn', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), IsPublic: 'false' }), message: /a confidential client needs SecretArn/ },
  {
    id: 'D26',
    subject: 'OidcClient',
    input: "FederatedIdentities 'https://issuer.example.com' (a string where a list belongs)",
    field: 'federatedIdentities',
    resourceType: ResourceType.OIDC_CLIENT,
    event: () => create({ ...clientBase(), FederatedIdentities: 'https://issuer.example.com' }),
    message: /federatedIdentities must be a list/,
  },
  { id: 'D27', subject: 'OidcClient', input: "FederatedIdentities [{ Subject: 'x' }] (no Issuer)", field: 'federatedIdentities[0].issuer', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), FederatedIdentities: [{ Subject: 'x' }] }), message: /federatedIdentities\[0\]\.issuer must not be empty/ },
  {
    id: 'D28',
    subject: 'OidcClient',
    input: 'AllowedUserGroupIds: a group id that is not a Pocket-ID group',
    field: 'allowedUserGroups',
    resourceType: ResourceType.OIDC_CLIENT,
    event: () => create({ ...clientBase(), AllowedUserGroupIds: [randomUUID()] }),
    message: /allowedUserGroups/,
  },
  {
    id: 'D29',
    subject: 'OidcClient',
    input: "Description { Text: 'x' } (an object where a string belongs)",
    field: 'description',
    resourceType: ResourceType.OIDC_CLIENT,
    event: () => create({ ...clientBase(), Description: { Text: 'x' } }),
    message: /description must be a string/,
  },
  { id: 'D30', subject: 'OidcClient', input: "Update with Name '' (the existing client stays as it is)", field: 'name', resourceType: ResourceType.OIDC_CLIENT, event: () => ({ RequestType: 'Update', PhysicalResourceId: existingClientId, ResourceProperties: { ...existingClientProps, Name: '' }, OldResourceProperties: existingClientProps }), message: /name must not be empty/ },
  { id: 'D31', subject: 'OidcClient', input: 'SecretArn: a secret that does not exist (the client made first is removed again)', field: 'secret', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), IsPublic: 'false', SecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bad-input-missing-AbCdEf' }), message: /(Get|Put)SecretValue on secret arn:aws:secretsmanager:us-east-1:123456789012:secret:bad-input-missing-AbCdEf failed/ },
  // User
  { id: 'D32', subject: 'User', input: 'Username missing', field: 'username', resourceType: ResourceType.USER, event: () => create(without(userBase(), 'Username')), message: /username is required/ },
  { id: 'D33', subject: 'User', input: "Username ''", field: 'username', resourceType: ResourceType.USER, event: () => create({ ...userBase(), Username: '' }), message: /username must not be empty/ },
  { id: 'D34', subject: 'User', input: "Username 'alice liddell'", field: 'username', resourceType: ResourceType.USER, event: () => create({ ...userBase(), Username: 'alice liddell' }), message: /username may contain only letters, digits/ },
  { id: 'D35', subject: 'User', input: 'Username of 51 characters', field: 'username', resourceType: ResourceType.USER, event: () => create({ ...userBase(), Username: long(51) }), message: /username must be at most 50 characters/ },
  { id: 'D36', subject: 'User', input: "Email 'not-an-email'", field: 'email', resourceType: ResourceType.USER, event: () => create({ ...userBase(), Email: 'not-an-email' }), message: /email must be an email address/ },
  { id: 'D37', subject: 'User', input: "Email ''", field: 'email', resourceType: ResourceType.USER, event: () => create({ ...userBase(), Email: '' }), message: /email must be an email address/ },
  { id: 'D38', subject: 'User', input: "UserId 'abc'", field: 'userId', resourceType: ResourceType.USER, event: () => create({ ...userBase(), UserId: 'abc' }), message: /userId must be a UUID/ },
  { id: 'D39', subject: 'User', input: "IsAdmin 'yes'", field: 'isAdmin', resourceType: ResourceType.USER, event: () => create({ ...userBase(), IsAdmin: 'yes' }), message: /isAdmin: expected true or false/ },
  { id: 'D40', subject: 'User', input: "EmailVerified '1'", field: 'emailVerified', resourceType: ResourceType.USER, event: () => create({ ...userBase(), EmailVerified: '1' }), message: /emailVerified: expected true or false/ },
  { id: 'D41', subject: 'User', input: "Locale ''", field: 'locale', resourceType: ResourceType.USER, event: () => create({ ...userBase(), Locale: '' }), message: /locale must not be empty/ },
  { id: 'D42', subject: 'User', input: "CustomClaims { team: 'core' } (a map where a list of Key/Value belongs)", field: 'customClaims', resourceType: ResourceType.USER, event: () => create({ ...userBase(), CustomClaims: { team: 'core' } }), message: /customClaims must be a list/ },
  { id: 'D43', subject: 'User', input: "CustomClaims [{ Key: 'email', Value: 'x' }] (reserved)", field: 'customClaims', resourceType: ResourceType.USER, event: () => create({ ...userBase(), CustomClaims: [{ Key: 'email', Value: 'x' }] }), message: /customClaims\.email is a claim Pocket-ID sets itself/ },
  { id: 'D44', subject: 'User', input: "CustomClaims [{ Key: 'team' }] (no Value)", field: 'customClaims', resourceType: ResourceType.USER, event: () => create({ ...userBase(), CustomClaims: [{ Key: 'team' }] }), message: /customClaims\[0\] must have a Key and a Value, both strings/ },
  { id: 'D45', subject: 'User', input: "CustomClaims with the key 'team' twice", field: 'customClaims', resourceType: ResourceType.USER, event: () => create({ ...userBase(), CustomClaims: [{ Key: 'team', Value: 'a' }, { Key: 'team', Value: 'b' }] }), message: /customClaims has the key 'team' more than once/ },
  { id: 'D46', subject: 'User', input: "LoginLinkLifetimeSeconds 'soon'", field: 'loginLink.lifetime', resourceType: ResourceType.USER, event: () => create({ ...userBase(), LoginLinkLifetimeSeconds: 'soon', LoginLinkSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:unused-AbCdEf' }), message: /loginLink\.lifetime must be whole seconds/ },
  { id: 'D47', subject: 'User', input: 'LoginLinkLifetimeSeconds without LoginLinkSecretArn', field: 'loginLink', resourceType: ResourceType.USER, event: () => create({ ...userBase(), LoginLinkLifetimeSeconds: '3600' }), message: /loginLink needs LoginLinkSecretArn/ },
  { id: 'D48', subject: 'User', input: "EmailLoginLink 'true' without Email", field: 'emailLoginLink', resourceType: ResourceType.USER, event: () => create({ ...without(userBase(), 'Email'), EmailLoginLink: 'true' }), message: /emailLoginLink needs email/ },
  { id: 'D49', subject: 'User', input: 'Username of a user that exists already (declared in another stack, say)', field: 'username', resourceType: ResourceType.USER, event: () => create({ ...userBase(), Username: takenUsername }), message: /The username '.*' already belongs to another Pocket-ID user/ },
  { id: 'D67', subject: 'User', input: "UserGroupIds [''] (a token resolved to an empty string)", field: 'groups', resourceType: ResourceType.USER, event: () => create({ ...userBase(), UserGroupIds: [''] }), message: /groups\[0\] must be a group id/ },
  { id: 'D68', subject: 'User', input: 'UserGroupIds naming a group that does not exist (deleted outside CloudFormation)', field: 'groups', resourceType: ResourceType.USER, event: () => create({ ...userBase(), UserGroupIds: ['7d3c1f5e-0a9b-4c2d-8e1f-2a3b4c5d6e7f'] }), message: /these groups are not Pocket-ID groups, so Pocket-ID left the user out of them: 7d3c1f5e-0a9b-4c2d-8e1f-2a3b4c5d6e7f/ },
  // UserGroup
  { id: 'D50', subject: 'UserGroup', input: 'Name missing', field: 'name', resourceType: ResourceType.USER_GROUP, event: () => create(without(groupBase(), 'Name')), message: /name is required/ },
  { id: 'D51', subject: 'UserGroup', input: 'FriendlyName missing', field: 'friendlyName', resourceType: ResourceType.USER_GROUP, event: () => create(without(groupBase(), 'FriendlyName')), message: /friendlyName is required/ },
  { id: 'D52', subject: 'UserGroup', input: "Name 'x'", field: 'name', resourceType: ResourceType.USER_GROUP, event: () => create({ ...groupBase(), Name: 'x' }), message: /name must be at least 2 characters/ },
  { id: 'D53', subject: 'UserGroup', input: 'FriendlyName of 51 characters', field: 'friendlyName', resourceType: ResourceType.USER_GROUP, event: () => create({ ...groupBase(), FriendlyName: long(51) }), message: /friendlyName must be at most 50 characters/ },
  { id: 'D54', subject: 'UserGroup', input: "MembershipMode 'strict'", field: 'membershipMode', resourceType: ResourceType.USER_GROUP, event: () => create({ ...groupBase(), MembershipMode: 'strict' }), message: /membershipMode must be one of 'merge', 'exclusive'/ },
  { id: 'D55', subject: 'UserGroup', input: "MemberUserIds 'some-user-id' (a string where a list belongs)", field: 'members', resourceType: ResourceType.USER_GROUP, event: () => create({ ...groupBase(), MemberUserIds: 'some-user-id' }), message: /members must be a list of user ids/ },
  { id: 'D56', subject: 'UserGroup', input: "MemberUserIds [''] (a GetAtt resolved to nothing)", field: 'members', resourceType: ResourceType.USER_GROUP, event: () => create({ ...groupBase(), MemberUserIds: [''] }), message: /members\[0\] must be a user id/ },
  { id: 'D57', subject: 'UserGroup', input: 'MemberUserIds: a user id that is not a Pocket-ID user (the group made first is removed again)', field: 'members', resourceType: ResourceType.USER_GROUP, event: () => create({ ...groupBase(), MemberUserIds: [randomUUID()] }), message: /these members are not Pocket-ID users/ },
  { id: 'D58', subject: 'UserGroup', input: "CustomClaims [{ Key: 'groups', Value: 'x' }] (reserved)", field: 'customClaims', resourceType: ResourceType.USER_GROUP, event: () => create({ ...groupBase(), CustomClaims: [{ Key: 'groups', Value: 'x' }] }), message: /customClaims\.groups is a claim Pocket-ID sets itself/ },
  { id: 'D59', subject: 'UserGroup', input: "CustomClaims [{ Key: 'team', Value: { x: 1 } }] (an object value)", field: 'customClaims', resourceType: ResourceType.USER_GROUP, event: () => create({ ...groupBase(), CustomClaims: [{ Key: 'team', Value: { x: 1 } }] }), message: /customClaims\[0\] must have a Key and a Value, both strings/ },
  { id: 'D70', subject: 'UserGroup', input: 'Name of a group that exists already, with another friendly name', field: 'name', resourceType: ResourceType.USER_GROUP, event: () => create({ ...groupBase(), Name: takenGroupName }), message: /already_in_use|already/ },
  // SignupToken
  { id: 'D90', subject: 'SignupToken', input: "LifetimeSeconds '1' (Pocket-ID needs more than 1 s)", field: 'lifetime', resourceType: ResourceType.SIGNUP_TOKEN, event: async () => create({ ...await signupBase(), LifetimeSeconds: '1' }), message: /lifetime must be whole seconds, more than 1 second and at most 744 hours \(31 days\) \(got 1 s\)/ },
  { id: 'D91', subject: 'SignupToken', input: "LifetimeSeconds '2678401' (over 31 days)", field: 'lifetime', resourceType: ResourceType.SIGNUP_TOKEN, event: async () => create({ ...await signupBase(), LifetimeSeconds: '2678401' }), message: /lifetime must be whole seconds.*at most 744 hours/ },
  { id: 'D92', subject: 'SignupToken', input: "UsageLimit '101'", field: 'usageLimit', resourceType: ResourceType.SIGNUP_TOKEN, event: async () => create({ ...await signupBase(), UsageLimit: '101' }), message: /usageLimit must be a whole number from 1 to 100 \(got 101\)/ },
  { id: 'D93', subject: 'SignupToken', input: "UsageLimit 'many'", field: 'usageLimit', resourceType: ResourceType.SIGNUP_TOKEN, event: async () => create({ ...await signupBase(), UsageLimit: 'many' }), message: /usageLimit must be a whole number/ },
  { id: 'D94', subject: 'SignupToken', input: 'UsageLimit missing', field: 'usageLimit', resourceType: ResourceType.SIGNUP_TOKEN, event: async () => create(without(await signupBase(), 'UsageLimit')), message: /usageLimit is required/ },
  { id: 'D95', subject: 'SignupToken', input: "UserGroupIds 'admins' (a string where a list belongs)", field: 'userGroups', resourceType: ResourceType.SIGNUP_TOKEN, event: async () => create({ ...await signupBase(), UserGroupIds: 'admins' }), message: /userGroups must be a list/ },
  { id: 'D96', subject: 'SignupToken', input: 'SignupLinkSecretArn missing', field: 'SignupLinkSecretArn', resourceType: ResourceType.SIGNUP_TOKEN, event: async () => create(without(await signupBase(), 'SignupLinkSecretArn')), message: /SignupLinkSecretArn .*is required/ },
  { id: 'D97', subject: 'SignupToken', input: 'UserGroupIds: a group id that is not a Pocket-ID group (the token made first is removed again)', field: 'userGroups', resourceType: ResourceType.SIGNUP_TOKEN, event: async () => create({ ...await signupBase(), UserGroupIds: [randomUUID()] }), message: /Pocket-ID left out these user groups/ },
  // Lookup
  { id: 'D61', subject: 'Lookup', input: "Kind 'Robot'", field: 'kind', resourceType: ResourceType.LOOKUP, event: () => create({ ...lookupBase(), Kind: 'Robot' }), message: /kind must be one of User, UserGroup, OidcClient, Api \(got "Robot"\)/ },
  { id: 'D62', subject: 'Lookup', input: "Name ''", field: 'name', resourceType: ResourceType.LOOKUP, event: () => create({ ...lookupBase(), Name: '' }), message: /name must not be empty/ },
  { id: 'D63', subject: 'Lookup', input: 'Name missing', field: 'name', resourceType: ResourceType.LOOKUP, event: () => create(without(lookupBase(), 'Name')), message: /name must not be empty/ },
  // APIs
  { id: 'DA01', subject: 'Api', input: 'Resource missing', field: 'resource', resourceType: ResourceType.API, event: () => create(without(apiBase(), 'Resource')), message: /resource is required/ },
  { id: 'DA02', subject: 'Api', input: "Permissions 'read' (a string where a list belongs)", field: 'permissions', resourceType: ResourceType.API, event: () => create({ ...apiBase(), Permissions: 'read' }), message: /permissions must be a list/ },
  { id: 'DA03', subject: 'Api', input: "Permissions [{ Key: 'email', Name: 'x' }] (reserved)", field: 'permissions[0].key', resourceType: ResourceType.API, event: () => create({ ...apiBase(), Permissions: [{ Key: 'email', Name: 'x' }] }), message: /permissions\[0\]\.key 'email' is a scope Pocket-ID keeps for itself/ },
  { id: 'DA04', subject: 'Api', input: "CimdAccess 'yes'", field: 'cimdAccess.enabled', resourceType: ResourceType.API, event: () => create({ ...apiBase(), CimdAccess: 'yes' }), message: /cimdAccess\.enabled/ },
  { id: 'DA05', subject: 'Api', input: "CimdPermissionKeys ['nope'] (not a permission)", field: 'cimdAccess.permissions[0]', resourceType: ResourceType.API, event: () => create({ ...apiBase(), CimdAccess: 'true', CimdPermissionKeys: ['nope'] }), message: /cimdAccess\.permissions\[0\] 'nope' is not a permission of the API/ },
  { id: 'DA06', subject: 'Api', input: "Resource 'https://x.example.com#top' (a fragment)", field: 'resource', resourceType: ResourceType.API, event: () => create({ ...apiBase(), Resource: 'https://x.example.com#top' }), message: /resource must not have a fragment/ },
  { id: 'DA07', subject: 'ApiGrant', input: 'ApiId missing', field: 'api', resourceType: ResourceType.API_GRANT, event: () => create(without(grantBase(), 'ApiId')), message: /api is required/ },
  { id: 'DA08', subject: 'ApiGrant', input: 'nothing granted', field: 'userDelegatedAccess', resourceType: ResourceType.API_GRANT, event: () => create(without(grantBase(), 'ClientAccess')), message: /the grant gives nothing/ },
  { id: 'DA09', subject: 'ApiGrant', input: "UserDelegatedAccess 'maybe'", field: 'userDelegatedAccess', resourceType: ResourceType.API_GRANT, event: () => create({ ...grantBase(), UserDelegatedAccess: 'maybe' }), message: /userDelegatedAccess/ },
  {
    id: 'DA10',
    subject: 'ApiGrant',
    input: "ClientPermissionKeys ['nope'] on an API that has no such permission",
    field: 'clientPermissions[0]',
    resourceType: ResourceType.API_GRANT,
    event: async () => {
      const made = await directory.createApi(`bad-${run}-api`, `https://bad-${run}-grant.example.com`, [{ key: 'read', name: 'Read' }]);
      return create({ ...grantBase(), ApiId: made.id, ClientPermissionKeys: ['nope'] });
    },
    message: /clientPermissions\[0\] 'nope' is not a permission of API/,
  },
  { id: 'D64', subject: 'OidcClient', input: "BackchannelLogoutUrl 'logout' (not absolute)", field: 'backchannelLogoutUrl', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), BackchannelLogoutUrl: 'logout' }), message: /backchannelLogoutUrl must be an absolute http:\/\/ or https:\/\/ URL/ },
  { id: 'D65', subject: 'OidcClient', input: 'FederatedIdentities[0].PublicKeys with a private JWK (never quoted back)', field: 'federatedIdentities[0].publicKeys', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), FederatedIdentities: [{ Issuer: 'https://agent.example.com', PublicKeys: [PRIVATE_JWK] }] }), message: /federatedIdentities\[0\]\.publicKeys\[0\] holds private key material \(d\): give the public key only(?!.*jpsQnnGQ)/ },
  { id: 'D66', subject: 'OidcClient', input: "FederatedIdentities[0].PublicKeys 'a JWK' (a string where a list belongs)", field: 'federatedIdentities[0].publicKeys', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), FederatedIdentities: [{ Issuer: 'https://agent.example.com', PublicKeys: 'a JWK' }] }), message: /federatedIdentities\[0\]\.publicKeys must be a list of public JWKs/ },
  // SCIM service providers
  { id: 'D80', subject: 'ScimServiceProvider', input: "Endpoint 'ftp://app.example.com/scim'", field: 'endpoint', resourceType: ResourceType.SCIM_SERVICE_PROVIDER, event: async () => create(await scimBase({ Endpoint: 'ftp://app.example.com/scim' })), message: /endpoint must be an absolute https:\/\/ URL/ },
  { id: 'D81', subject: 'ScimServiceProvider', input: 'TokenSecret missing', field: 'token', resourceType: ResourceType.SCIM_SERVICE_PROVIDER, event: async () => create(without(await scimBase(), 'TokenSecret')), message: /token is required/ },
  { id: 'D82', subject: 'ScimServiceProvider', input: "SyncAfterDeploy 'yes'", field: 'syncAfterDeploy', resourceType: ResourceType.SCIM_SERVICE_PROVIDER, event: async () => create(await scimBase({ SyncAfterDeploy: 'yes' })), message: /syncAfterDeploy: expected true or false/ },
  { id: 'D83', subject: 'ScimServiceProvider', input: "TokenField ''", field: 'tokenField', resourceType: ResourceType.SCIM_SERVICE_PROVIDER, event: async () => create(await scimBase({ TokenField: '' })), message: /tokenField must not be empty/ },
  { id: 'D84', subject: 'ScimServiceProvider', input: 'a token secret holding a JSON object, without TokenField (never quoted back)', field: 'tokenField', resourceType: ResourceType.SCIM_SERVICE_PROVIDER, event: async () => create(await scimBase({ TokenSecret: await secrets.create(`bad-scim-json-${run}`, JSON.stringify({ token: 'json-held-token-value-123' })) })), message: /token: the secret .* holds a JSON object, not the bearer token itself: set tokenField(?!.*json-held-token)/ },
  { id: 'D85', subject: 'ScimServiceProvider', input: 'a token secret whose value has a line break (never quoted back)', field: 'token', resourceType: ResourceType.SCIM_SERVICE_PROVIDER, event: async () => create(await scimBase({ TokenSecret: await secrets.create(`bad-scim-newline-${run}`, 'line-one-token\nline-two') })), message: /token: the value of the secret .* is not a bearer token Pocket-ID can send(?!.*line-one)/ },
  { id: 'D86', subject: 'ScimServiceProvider', input: 'ClientId of a client that does not exist', field: 'client', resourceType: ResourceType.SCIM_SERVICE_PROVIDER, event: async () => create(await scimBase({ ClientId: `bad-${run}-no-such-client` })), message: /returned 404 not_found: OIDC client not found/ },

  // ApplicationConfiguration
  { id: 'DC01', subject: 'ApplicationConfiguration', input: "Settings.smtpTls 'ssl'", field: 'smtp.tls', resourceType: ResourceType.APPLICATION_CONFIGURATION, event: () => create(properties({ Settings: { smtpTls: 'ssl' } })), message: /smtp\.tls must be one of none, starttls, tls/ },
  { id: 'DC02', subject: 'ApplicationConfiguration', input: "Settings.signupDefaultUserGroupIDs 'group-1' (not a JSON array)", field: 'signup.defaultGroups', resourceType: ResourceType.APPLICATION_CONFIGURATION, event: () => create(properties({ Settings: { signupDefaultUserGroupIDs: 'group-1' } })), message: /signup\.defaultGroups must be a JSON array of strings/ },
  { id: 'DC03', subject: 'ApplicationConfiguration', input: "Settings.sessionDuration '0'", field: 'sessionDuration', resourceType: ResourceType.APPLICATION_CONFIGURATION, event: () => create(properties({ Settings: { sessionDuration: '0' } })), message: /sessionDuration must be a whole number of minutes, at least 1/ },
  { id: 'DC04', subject: 'ApplicationConfiguration', input: "Settings.appName '' (a parameter resolved to nothing)", field: 'applicationName', resourceType: ResourceType.APPLICATION_CONFIGURATION, event: () => create(properties({ Settings: { appName: '' } })), message: /applicationName must not be empty/ },
  { id: 'DC05', subject: 'ApplicationConfiguration', input: "Settings 'appName=x' (a string where a map belongs)", field: 'Settings', resourceType: ResourceType.APPLICATION_CONFIGURATION, event: () => create(properties({ Settings: 'appName=x' })), message: /Settings must be a map of setting names to strings/ },
  { id: 'DC06', subject: 'ApplicationConfiguration', input: "SmtpPasswordSource ''", field: 'smtp.password', resourceType: ResourceType.APPLICATION_CONFIGURATION, event: () => create(properties({ SmtpPasswordSource: '' })), message: /smtp\.password must name a Secrets Manager secret/ },
  {
    id: 'DC08',
    subject: 'ApplicationConfiguration',
    input: 'an SMTP password of 5 characters (too short to mask; never quoted back)',
    field: 'smtp.password',
    resourceType: ResourceType.APPLICATION_CONFIGURATION,
    event: async () => create(properties({ SmtpPasswordSource: await secrets.create(`bad-smtp-short-${run}`, 'hunt2') })),
    message: /smtp\.password: the value of the secret .* is not the SMTP password this library can keep out of every message: it must be at least 6 characters .*, and it has 5 characters(?!.*hunt2)/,
  },
  { id: 'DC07', subject: 'ApplicationConfiguration', input: 'Settings.noSuchSetting (a key the Pocket-ID does not have)', field: 'additionalSettings', resourceType: ResourceType.APPLICATION_CONFIGURATION, event: () => create(properties({ Settings: { noSuchSetting: 'x' } })), message: /has no setting additionalSettings\.noSuchSetting/ },
  // Images (client logos, application images)
  { id: 'DI01', subject: 'OidcClient', input: 'Logo with both Url and Preset', field: 'logo', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), Logo: { Url: 'https://cdn.example.com/a.png', Preset: 'jellyfin' } }), message: /logo must be exactly one of a file \(Bucket and Key\), a URL \(Url\) or a preset \(Preset\)/ },
  { id: 'DI02', subject: 'OidcClient', input: "DarkLogo 'logo.png' (a string where an image source belongs)", field: 'darkLogo', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), DarkLogo: 'logo.png' }), message: /darkLogo must be an image source \(DarkLogo is not an object\)/ },
  { id: 'DI03', subject: 'OidcClient', input: 'Logo with a Bucket and no Key', field: 'logo', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), Logo: { Bucket: 'assets' } }), message: /logo must be exactly one of/ },
  { id: 'DI04', subject: 'OidcClient', input: 'Logo from a preset the icon library lacks (before 2.18: any preset)', field: 'logo', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), Logo: { Preset: 'no-such-icon' } }), message: /logo(: Pocket-ID's icon library has no logo preset 'no-such-icon'| needs Pocket-ID 2\.18\.0 or newer \(logo presets\))/ },
  { id: 'DI05', subject: 'OidcClient', input: "Logo Url 'ftp://cdn.example.com/a.png'", field: 'logo', resourceType: ResourceType.OIDC_CLIENT, event: () => create({ ...clientBase(), Logo: { Url: 'ftp://cdn.example.com/a.png' } }), message: /logo: 'ftp:\/\/cdn\.example\.com\/a\.png' is not an http or https URL/ },
  { id: 'DI06', subject: 'ApplicationImages', input: 'Favicon from a preset (presets are client logos)', field: 'favicon', resourceType: ResourceType.APPLICATION_IMAGES, event: () => create({ ...properties({}), Favicon: { Preset: 'jellyfin' } }), message: /favicon must be exactly one of a file \(Bucket and Key\) or a URL \(Url\)/ },
  { id: 'DI07', subject: 'ApplicationImages', input: 'EmailLogo [] (a list where an image source belongs)', field: 'emailLogo', resourceType: ResourceType.APPLICATION_IMAGES, event: () => create({ ...properties({}), EmailLogo: [] }), message: /emailLogo must be an image source/ },
];

(isRealPocketId() ? describe.skip : describe)('with the bundled handler', () => {
  beforeAll(async () => {
    const started = await acceptance.start();
    server = started.target.testServer!;
    directory = started.directory;
    cfn = started.cfn;
    container = started.containers[0];
    existingClientProps = properties({ Name: `bad-${run}-existing`, IsPublic: 'true', CallbackUrls: ['https://existing.example.com/cb'] });
    const existing = await cfn.create('Existing', existingClientProps);
    acceptance.expectCleanStep(existing);
    existingClientId = existing.response.PhysicalResourceId;
    takenUsername = `bad-${run}-taken`;
    await directory.createUser(takenUsername);
    takenGroupName = `bad-${run}-taken-group`;
    await directory.createGroup(takenGroupName, 'Someone else\'s');
  });

  describe('tokens at synth: the template synthesizes, the handler refuses the resolved value', () => {
    for (const row of TOKEN_ROWS) {
      (row.knownBug ? test.failing : test)(`${row.id} ${row.subject} ${row.input}: synth passes, deploy fails naming ${row.field}`, async () => {
        const resourceProperties = await synthesizeWithTokens(row);
        const step = await deployRow(row, { RequestType: 'Create', ResourceProperties: resourceProperties });
        acceptance.expectFailed(step.step, row.message);
        expect(step.step.response.Reason).toContain(row.field);
      });
    }
  });

  describe('(b) at deploy, through the handler with raw properties', () => {
    for (const row of DEPLOY_ROWS) {
      (row.knownBug ? test.failing : test)(`${row.id} ${row.subject} ${row.input}: FAILED naming ${row.field}`, async () => {
        const { step } = await deployRow(row, await row.event());
        acceptance.expectFailed(step, row.message);
        expect(step.response.Reason).toContain(row.field);
      });
    }
  });

  test('after the whole table the same container still serves events', async () => {
    const pid = container.pid;
    const step = await cfn.create('AfterTable', properties({ Name: `bad-${run}-after`, IsPublic: 'true' }));
    await acceptance.expectSucceeded(step);
    expect(container.pid).toBe(pid);
    expect(container.alive).toBe(true);
    // Only Node.js's own warnings (the AWS SDK's Node version notice): no uncaught error, no unhandled rejection.
    expect(container.errorOutput).not.toMatch(/Uncaught|Unhandled|Error:|ERR_/);
    await acceptance.expectSucceeded(await cfn.delete('AfterTable', step.response.PhysicalResourceId, step.event.ResourceProperties as Record<string, unknown>));
  });
});

/**
 * Sends the row's event; records the outcome with the checks every row passes whatever its Reason:
 * Pocket-ID and Secrets Manager unchanged, the same container alive. Those two are asserted here.
 */
async function deployRow(row: DeployRow | TokenRow, partial: Record<string, unknown>): Promise<{ step: Step }> {
  const before = await snapshot();
  const firstRequest = server.requests.length;
  const pid = container.pid;
  const step = await cfn.send({ ResourceType: row.resourceType, LogicalResourceId: `Bad${row.id}`, RequestId: randomUUID(), ...partial });
  const after = await snapshot();
  const reason = failureReason(step.response) ?? undefined;
  const failed = step.response.Status === 'FAILED';
  let outcome: BadInputRow['outcome'] = 'accepted';
  if (failed) outcome = /TypeError|is not a function|Cannot read properties/.test(reason ?? '') ? 'crashed' : row.message.test(reason ?? '') ? 'caught-at-deploy' : 'wrong-message';
  records.push({
    id: row.id,
    subject: row.subject,
    input: row.input,
    expected: 'deploy',
    outcome,
    field: row.field,
    message: reason === undefined ? undefined : shorten(reason),
    messageNamesField: reason?.includes(row.field) ?? false,
    stateUnchanged: before === after,
    containerAlive: container.alive && container.pid === pid,
    requestsSent: server.requests.length - firstRequest,
    knownBug: row.knownBug,
  });
  if (!failed && partial.RequestType === 'Create') await removeAccepted(row, step);
  expect(container.alive).toBe(true);
  expect(container.pid).toBe(pid);
  if (failed) expect(after).toBe(before);
  return { step };
}

/** A bad input the handler accepted (a known bug) made something: remove it, so the next rows start clean. */
async function removeAccepted(row: DeployRow | TokenRow, step: Step): Promise<void> {
  const id = step.response.PhysicalResourceId;
  if (row.resourceType === ResourceType.OIDC_CLIENT) await directory.deleteClient(id);
  if (row.resourceType === ResourceType.USER) await directory.deleteUsers([id]);
  if (row.resourceType === ResourceType.USER_GROUP) await directory.deleteGroup(id);
  if (row.resourceType === ResourceType.API) await directory.deleteApi(id);
}

/** Everything the handler could change: Pocket-ID's entities, secrets, tokens and emails, and every version of the run's secrets. */
/**
 * What a failed row must leave as it was. Of each secret its AWSCURRENT value, as the fault matrix
 * compares it (state.ts sameHoldings): an undo writes the previous value back, which makes a version
 * (a signup token's Create marks its secret before the POST, and a failure puts the value back).
 */
async function snapshot(): Promise<string> {
  const secretVersions = await Promise.all(secrets.created.map((arn) => secrets.read(arn).catch(() => undefined)));
  return JSON.stringify({
    users: server.users(),
    groups: server.groups(),
    apis: server.apis(),
    clients: server.clients().map((c) => ({ ...c, secrets: server.clientSecrets(c.id) })),
    oneTimeTokens: server.users().map((u) => server.oneTimeTokens(u.id)),
    emails: server.sentEmails(),
    signupTokens: server.signupTokens(),
    secretVersions,
  });
}

/**
 * Synthesizes the row's construct with CfnParameter tokens, then resolves the custom resource's
 * properties as CloudFormation would deliver them: parameters to the row's values, secrets the stack
 * owns to secrets made in moto, the service token left to the simulator.
 */
async function synthesizeWithTokens(row: TokenRow): Promise<Record<string, unknown>> {
  const app = new App();
  const stack = new Stack(app, `Tokens${row.id}`, { env: { account: '123456789012', region: 'us-east-1' } });
  const connection = properties({});
  const params = new Map<string, CfnParameter>();
  const param = (name: string, type = 'String') => params.get(name) ?? params.set(name, new CfnParameter(stack, name, { type })).get(name)!;
  const baseUrl = row.baseUrlParameter ? param(row.baseUrlParameter).valueAsString : connection.BaseUrl as string;
  const pocketId = new PocketId(stack, 'PocketId', {
    baseUrl,
    apiToken: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Token', connection.ApiTokenSecret as string),
    logLevel: LogLevel.DEBUG,
  });
  row.build(stack, pocketId, param);
  const template = app.synth().getStackByName(stack.stackName).template;
  const refs: Record<string, unknown> = { ...row.values };
  for (const [logicalId, resource] of Object.entries<any>(template.Resources)) {
    if (resource.Type === 'AWS::SecretsManager::Secret') refs[logicalId] = await secrets.createOwnedSecret(`bad-input-${row.id}`);
  }
  const [resource] = Object.values<any>(template.Resources).filter((r) => r.Type === row.resourceType);
  const { ServiceToken: _, ...raw } = resource.Properties;
  return resolveTokens(raw, refs) as Record<string, unknown>;
}

function resolveTokens(value: unknown, refs: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveTokens(item, refs));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === 'Ref') {
    const name = entries[0][1] as string;
    if (!(name in refs)) throw new Error(`the test cannot resolve Ref ${name}`);
    return refs[name];
  }
  if (entries.length === 1 && entries[0][0].startsWith('Fn::')) throw new Error(`the test cannot resolve ${entries[0][0]}`);
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveTokens(item, refs)]));
}

function shorten(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
