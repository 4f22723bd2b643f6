import { createHash } from 'crypto';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/**
 * A UUID derived from the request that creates an entity (stack, logical id, request id), so that the
 * same event delivered twice names the same entity and the second delivery finds it instead of making
 * another. An Update that creates (a replacement, a re-creation after drift) has its own request id and
 * so its own UUID.
 */
export function deterministicUuid(event: CloudFormationCustomResourceEvent): string {
  const hex = createHash('sha256').update(`${event.StackId}\n${event.LogicalResourceId}\n${event.RequestId}`).digest('hex');
  // RFC 4122 variant: the first hex digit of the fourth group is 8, 9, a or b.
  const variant = '89ab'[parseInt(hex[16], 16) % 4];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
