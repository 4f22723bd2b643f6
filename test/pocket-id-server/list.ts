/**
 * Pocket-ID's list requests (utils/list_request_util.go): pagination[page], pagination[limit],
 * sort[column], sort[direction], filters[<field>] and the per-endpoint `search`.
 */

export type ColumnValue = string | number | boolean | null;

export interface ColumnSpec<T> {
  readonly value: (item: T) => ColumnValue;
  readonly sortable?: boolean;
  readonly filterable?: boolean;
  /** SQLite `COLLATE NOCASE` (users.username). */
  readonly noCase?: boolean;
}

/** Keyed by the Go field name (first letter upper case), which is what query keys are matched against. */
export type Columns<T> = Readonly<Record<string, ColumnSpec<T>>>;

export interface ListOptions {
  readonly page: number;
  readonly limit: number;
  readonly sortColumn: string;
  readonly sortDirection: string;
  readonly filters: ReadonlyMap<string, ReadonlyArray<ColumnValue>>;
}

export interface Pagination {
  readonly totalPages: number;
  readonly totalItems: number;
  readonly currentPage: number;
  readonly itemsPerPage: number;
}

const GO_INT = /^[+-]?\d+$/;

/** Go's strconv-based form binding; a bad integer aborts binding, keeping what was bound before it. */
export function parseListOptions(query: URLSearchParams): ListOptions {
  const bound = { page: 0, limit: 0, sortColumn: '', sortDirection: '' };
  const filters = new Map<string, ColumnValue[]>();
  const page = (query.get('pagination[page]') ?? '').trim();
  const limit = (query.get('pagination[limit]') ?? '').trim();
  if (page !== '' && !GO_INT.test(page)) return { ...bound, filters };
  bound.page = Number(page);
  if (limit !== '' && !GO_INT.test(limit)) return { ...bound, filters };
  bound.limit = Number(limit);
  bound.sortColumn = query.get('sort[column]') ?? '';
  bound.sortDirection = query.get('sort[direction]') ?? '';
  for (const [key, value] of query) {
    if (!key.startsWith('filters[')) continue;
    const close = key.indexOf(']');
    if (close < 0) continue;
    const field = key.slice('filters['.length, close);
    filters.set(field, [...(filters.get(field) ?? []), convertStringToType(value)]);
  }
  return { ...bound, filters };
}

/** utils.ConvertStringToType */
function convertStringToType(raw: string): ColumnValue {
  const v = raw.trim();
  if (v === '') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (GO_INT.test(v)) return Number(v);
  const f = Number(v);
  return v !== '' && !Number.isNaN(f) && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) ? f : v;
}

export function capitalizeFirstLetter(s: string): string {
  return s === '' ? s : s[0].toUpperCase() + s.slice(1);
}

export function isValidSortDirection(direction: string): boolean {
  const d = direction.trim().toLowerCase();
  return d === 'asc' || d === 'desc';
}

function normalizedDirection(direction: string): 'asc' | 'desc' {
  return direction.trim().toLowerCase() === 'desc' ? 'desc' : 'asc';
}

/** SQLite stores booleans as 0/1, so comparisons and ordering use numbers. */
function sqlValue(value: ColumnValue): string | number | null {
  return typeof value === 'boolean' ? Number(value) : value;
}

function sqlEquals(column: ColumnValue, filter: ColumnValue): boolean {
  const a = sqlValue(column);
  const b = sqlValue(filter);
  if (a === null || b === null) return false;
  if (typeof a === 'string' && typeof b === 'number') return a === String(b);
  return a === b;
}

export function applyFilters<T>(items: T[], options: ListOptions, columns: Columns<T>): T[] {
  let result = items;
  for (const [key, values] of options.filters) {
    const spec = columns[capitalizeFirstLetter(key)];
    if (key === '' || values.length === 0 || !spec?.filterable) continue;
    result = result.filter((item) => values.some((v) => sqlEquals(spec.value(item), v)));
  }
  return result;
}

/** Compares like SQLite: NULL first, numbers before text, text by bytes (or ASCII-case-folded for NOCASE). */
export function compareSql(a: ColumnValue, b: ColumnValue, noCase = false): number {
  const x = sqlValue(a);
  const y = sqlValue(b);
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'number') return -1;
  if (typeof y === 'number') return 1;
  const fold = (s: string) => (noCase ? s.replace(/[A-Z]/g, (c) => c.toLowerCase()) : s);
  const bx = Buffer.from(fold(x));
  const by = Buffer.from(fold(y));
  return Buffer.compare(bx, by);
}

export function sortBy<T>(items: T[], key: (item: T) => ColumnValue, direction: string, noCase = false): T[] {
  const sign = normalizedDirection(direction) === 'desc' ? -1 : 1;
  return [...items].sort((a, b) => sign * compareSql(key(a), key(b), noCase));
}

export function applySorting<T>(items: T[], options: ListOptions, columns: Columns<T>): T[] {
  const spec = columns[capitalizeFirstLetter(options.sortColumn)];
  if (!spec?.sortable) return items;
  return sortBy(items, spec.value, options.sortDirection, spec.noCase);
}

/** utils.Paginate: limit defaults to 20 and is capped at 100; a page past the end returns the last page. */
export function paginate<T>(items: T[], options: ListOptions): { data: T[]; pagination: Pagination } {
  const pageSize = options.limit < 1 ? 20 : Math.min(options.limit, 100);
  const totalItems = items.length;
  const totalPages = totalItems === 0 ? 1 : Math.ceil(totalItems / pageSize);
  const page = Math.min(Math.max(options.page, 1), totalPages);
  const data = items.slice((page - 1) * pageSize, page * pageSize);
  return { data, pagination: { totalPages, totalItems, currentPage: page, itemsPerPage: pageSize } };
}

export function paginateFilterAndSort<T>(items: T[], options: ListOptions, columns: Columns<T>): { data: T[]; pagination: Pagination } {
  return paginate(applySorting(applyFilters(items, options, columns), options, columns), options);
}

/** SQLite `column LIKE '%term%'`: case-insensitive for ASCII only, `%` and `_` in the term are wildcards. */
export function likeContains(value: string | null, term: string): boolean {
  if (value === null) return false;
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const pattern = [...fold(term)]
    .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(pattern, 's').test(fold(value));
}
