/**
 * A JSON Schema check for the subset scripts/contract-reference.ts writes (type, enum, required,
 * properties, additionalProperties, items), over properties as a template holds them: where a string
 * is expected, an intrinsic function (`{"Ref": …}`, `{"Fn::GetAtt": …}`) stands for the string
 * CloudFormation will deliver.
 */
type Schema = {
  readonly type?: string;
  readonly enum?: readonly string[];
  readonly required?: readonly string[];
  readonly properties?: Record<string, Schema>;
  readonly additionalProperties?: boolean | Schema;
  readonly items?: Schema;
};

export function schemaProblems(schema: Schema, value: unknown, path = ''): string[] {
  const at = (problem: string) => [`${path || '(root)'}: ${problem}`];
  if (isIntrinsic(value)) return [];
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return at(`expected a string, got ${JSON.stringify(value)}`);
      return schema.enum && !schema.enum.includes(value) ? at(`expected one of ${schema.enum.join(', ')}, got '${value}'`) : [];
    case 'array':
      if (!Array.isArray(value)) return at(`expected a list, got ${JSON.stringify(value)}`);
      return value.flatMap((item, index) => schemaProblems(schema.items ?? {}, item, `${path}[${index}]`));
    case 'object':
      return objectProblems(schema, value, path);
    default:
      return [];
  }
}

function objectProblems(schema: Schema, value: unknown, path: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path || '(root)'}: expected an object, got ${JSON.stringify(value)}`];
  const record = value as Record<string, unknown>;
  const prefix = path ? `${path}.` : '';
  const missing = (schema.required ?? []).filter((key) => !(key in record)).map((key) => `${prefix}${key}: required`);
  const each = Object.entries(record).flatMap(([key, item]) => {
    const declared = schema.properties?.[key];
    if (declared) return schemaProblems(declared, item, `${prefix}${key}`);
    if (schema.additionalProperties === false) return [`${prefix}${key}: not a property of this type`];
    return typeof schema.additionalProperties === 'object' ? schemaProblems(schema.additionalProperties, item, `${prefix}${key}`) : [];
  });
  return [...missing, ...each];
}

/** `{"Ref": …}` or `{"Fn::…": …}`: resolved by CloudFormation before the handler sees it. */
function isIntrinsic(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}
