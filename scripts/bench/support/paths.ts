import * as path from 'path';

/** The repository root (scripts/bench/support is three levels down). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The handler asset exactly as the construct deploys it (built by `npx projen pre-compile`). */
export const HANDLER_ASSET = path.join(REPO_ROOT, 'assets', 'handler', 'index.js');
/** The dev tsconfig: it covers lib/, lambda/, test/ and scripts/. */
export const DEV_TSCONFIG = path.join(REPO_ROOT, 'test', 'tsconfig.json');
export const DOCS_DIR = path.join(REPO_ROOT, 'docs');
export const REPORT_FILE = path.join(DOCS_DIR, 'benchmarks.md');
export const CHART_FILE = path.join(DOCS_DIR, 'benchmarks.svg');
/** Plain JavaScript programs run in fresh Node.js processes. */
export const CHILDREN_DIR = path.join(__dirname, '..', 'children');
