import { Lazy, RemovalPolicy } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { CONTRACT_VERSION, LookupKind, MembershipMode, ResourceType, UserGroupProperties } from './contract';
import { PocketId } from './pocket-id';
import { adoptingRemovalPolicy, PocketIdCustomResource, withoutCreationStacks } from './private/custom-resource';
import { assertSameInstance, PocketIdLookup } from './private/lookup';
import { assertValidProps, checkBoolean, checkEnum, checkObject, checkObjectList, checkString, checkStringMap, invalidProps, isEntityConstruct } from './private/prop-types';
import { booleanProperty, claimProperties, known, knownClaims, requireValue } from './private/properties';
import { UniqueName, UniqueNames } from './private/unique-names';
import { validateUserGroup } from './private/validation';
import { IUser } from './user';

/** A Pocket-ID user group, managed here or referenced. */
export interface IUserGroup extends IConstruct {
  /**
   * The group's id in Pocket-ID.
   *
   * @attribute
   */
  readonly groupId: string;
  /** The Pocket-ID instance that holds the group. */
  readonly pocketId: PocketId;
}

/** What a group does with members that were added outside CloudFormation, in Pocket-ID's UI say. */
export enum GroupMembership {
  /**
   * Members added elsewhere stay. The group adds the members it declares and removes only those it
   * declared before and no longer does.
   */
  MERGE = 'merge',
  /** The declared members are the whole group: anyone added elsewhere is removed at the next deploy. */
  EXCLUSIVE = 'exclusive',
}

/** Properties of a Pocket-ID user group. */
export interface UserGroupProps {
  /** The Pocket-ID instance that holds the group. */
  readonly pocketId: PocketId;

  /** The group's name (2 to 255 characters), unique in Pocket-ID; tokens carry it in the `groups` claim. */
  readonly name: string;

  /** The name shown in Pocket-ID's UI (2 to 50 characters). */
  readonly friendlyName: string;

  /**
   * Custom claims added to the tokens of the group's members: the whole set. Pocket-ID's own claim
   * names (`sub`, `email`, `groups`, …) are refused.
   *
   * @default - not managed: the claims Pocket-ID holds stay
   */
  readonly customClaims?: Record<string, string>;

  /**
   * Members of the group. More can be added with `addMember()`. The group's resource is the only
   * writer of its member list.
   *
   * @default - membership is not managed, unless `addMember()` is called
   */
  readonly members?: IUser[];

  /**
   * What happens to members added outside CloudFormation.
   *
   * @default GroupMembership.MERGE
   */
  readonly membership?: GroupMembership;

  /**
   * Adopt a group that already exists in Pocket-ID with this name (made in its UI, or by Terraform)
   * instead of failing as taken: it keeps its id, so clients that admit it keep working, and gets the
   * declared friendly name, claims and members (with `GroupMembership.MERGE`, its members stay). Acts
   * at the first deploy; a group synced from LDAP is refused.
   *
   * @default false
   */
  readonly adoptExisting?: boolean;

  /**
   * What happens to the group in Pocket-ID when it leaves the stack.
   *
   * @default - RemovalPolicy.RETAIN with `adoptExisting`, else RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** A Pocket-ID user group, with its custom claims and, if declared, its members. */
export class UserGroup extends Construct implements IUserGroup {
  /** References a group that already exists in Pocket-ID, by id. */
  public static fromGroupId(scope: Construct, id: string, pocketId: PocketId, groupId: string): IUserGroup {
    return new ImportedGroup(scope, id, pocketId, { groupId });
  }

  /** References a group that already exists in Pocket-ID by name, resolved at deploy time. */
  public static fromGroupName(scope: Construct, id: string, pocketId: PocketId, groupName: string): IUserGroup {
    return new ImportedGroup(scope, id, pocketId, { groupName });
  }

  /** @attribute */
  public readonly groupId: string;
  /**
   * The group's name.
   *
   * @attribute
   */
  public readonly groupName: string;
  /** The Pocket-ID instance that holds the group. */
  public readonly pocketId: PocketId;

  private readonly members: IUser[] = [];
  private readonly managesMembers: boolean;

  constructor(scope: Construct, id: string, props: UserGroupProps) {
    super(scope, id);
    withoutCreationStacks(this);
    validateProps(this, props);
    UniqueNames.claim(this, props.pocketId, uniqueNames(props));
    this.pocketId = props.pocketId;
    const binding = props.pocketId._bind(this);
    this.managesMembers = props.members !== undefined && props.members !== null;
    (props.members ?? []).forEach((member, index) => this.addDeclaredMember(member, `members[${index}]`));

    const properties: UserGroupProperties = {
      ...binding.connection,
      ContractVersion: CONTRACT_VERSION,
      Name: props.name,
      FriendlyName: props.friendlyName,
      CustomClaims: claimProperties(props.customClaims),
      MemberUserIds: Lazy.list({ produce: () => this.memberIds() }, { omitEmpty: false }) as string[],
      MembershipMode: props.membership ?? MembershipMode.MERGE,
      AdoptExisting: booleanProperty(props.adoptExisting),
    };
    const resource = new PocketIdCustomResource(this, 'Resource', {
      serviceToken: binding.serviceToken,
      resourceType: ResourceType.USER_GROUP,
      properties,
      removalPolicy: adoptingRemovalPolicy(props, RemovalPolicy.DESTROY),
    });
    this.groupId = resource.getAttString('GroupId');
    this.groupName = props.name;
  }

  /** Adds a member. The group's resource writes the member list; the user's resource never does. */
  public addMember(user: IUser): void {
    this.addDeclaredMember(user, 'addMember(user)');
  }

  private addDeclaredMember(user: IUser, field: string): void {
    const errors = checkObject(field, user, isUser, 'a user (User, or User.fromUserId/fromUsername)');
    if (errors.length > 0) throw invalidProps(this, 'UserGroup', errors);
    assertSameInstance(this.pocketId, user.pocketId, `UserGroup '${this.node.path}': ${field}`, `user '${user.node.path}'`);
    if (!this.members.includes(user)) this.members.push(user);
  }

  /**
   * Whether this group's resource writes its member list: users then cannot name it in their groups.
   *
   * @internal
   */
  public _declaresMembers(): boolean {
    return this.managesMembers || this.members.length > 0;
  }

  /** Undefined (not managed) until members are declared; once declared, the list, even empty. */
  private memberIds(): string[] | undefined {
    if (!this._declaresMembers()) return undefined;
    return this.members.map((member) => member.userId);
  }
}

/** A group referenced by id, or by name through a deploy-time lookup. */
class ImportedGroup extends Construct implements IUserGroup {
  public readonly groupId: string;

  constructor(scope: Construct, id: string, public readonly pocketId: PocketId, by: { groupId?: string; groupName?: string }) {
    super(scope, id);
    withoutCreationStacks(this);
    this.groupId = by.groupId ?? new PocketIdLookup(this, 'Lookup', pocketId, LookupKind.USER_GROUP, by.groupName!).entityId;
  }
}

function validateProps(scope: Construct, props: UserGroupProps): void {
  assertValidProps(scope, 'UserGroup', {
    types: () => checkTypes(props),
    rules: () => [
      ...requireValue('pocketId', props.pocketId),
      ...requireValue('name', props.name),
      ...requireValue('friendlyName', props.friendlyName),
      ...validateUserGroup({ name: known(props.name), friendlyName: known(props.friendlyName), customClaims: knownClaims(props.customClaims) }),
    ],
    conflicts: () => UniqueNames.conflicts(scope, props.pocketId, uniqueNames(props)),
  });
}

/** What jsii callers can pass that TypeScript would not compile. */
function checkTypes(props: UserGroupProps): string[] {
  return [
    ...checkObject('pocketId', props.pocketId, (value) => value instanceof PocketId, 'a PocketId'),
    ...checkString('name', props.name),
    ...checkString('friendlyName', props.friendlyName),
    ...checkStringMap('customClaims', props.customClaims),
    ...checkObjectList('members', props.members, isUser, 'a user (User, or User.fromUserId/fromUsername)'),
    ...checkEnum('membership', props.membership, GroupMembership, 'GroupMembership'),
    ...checkBoolean('adoptExisting', props.adoptExisting),
    ...checkEnum('removalPolicy', props.removalPolicy, RemovalPolicy, 'RemovalPolicy'),
  ];
}

function isUser(value: unknown): boolean {
  return isEntityConstruct(value, 'userId') && (value as IUser).pocketId instanceof PocketId;
}

/** Pocket-ID keeps group names unique (exactly: case counts); friendly names may repeat. */
function uniqueNames(props: UserGroupProps): UniqueName[] {
  return [{ field: 'name', value: props.name, rule: 'Pocket-ID keeps group names unique' }];
}
