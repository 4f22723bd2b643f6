/**
 * Type-checks the ```ts and ```typescript blocks of Markdown files under strict, against the library's
 * sources, in one compiler program (aws-cdk-lib's declarations are parsed once), each block as a module
 * of its own. `import ... from 'cdk-pocket-id'` resolves to lib/index.ts; aws-cdk-lib and constructs
 * resolve from node_modules.
 *
 *   ts-node --transpile-only --project test/tsconfig.json test/support/typescript-blocks.ts README.md ...
 *
 * prints, as JSON, every block with the compiler's messages about it (BlockResult[]). The tests run it
 * in a child process: under jest's coverage the compiler runs several times slower.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');
/** Blocks are served from memory as if they were here, so that their imports resolve from the project's node_modules. */
const BLOCK_DIR = path.join(ROOT, '.markdown-blocks');

interface CodeBlock {
  /** Where the block's first line of code is: the Markdown file's name and line. */
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

export interface BlockResult {
  readonly file: string;
  readonly line: number;
  /** `README.md:67:5 TS18048: ...`, one per message; none when the block compiles. */
  readonly diagnostics: string[];
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  // Every block is a module, even one without imports: no names shared between blocks.
  moduleDetection: ts.ModuleDetectionKind.Force,
  esModuleInterop: true,
  skipLibCheck: true,
  types: ['node'],
  baseUrl: ROOT,
  // What `npm install cdk-pocket-id` would give, from the sources.
  paths: { 'cdk-pocket-id': ['lib/index.ts'] },
};

/** The TypeScript blocks of a Markdown text (indented ones too, as in a list), with the line each starts on. */
function typescriptBlocks(file: string, markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const indent = /^( *)```(ts|typescript)\s*$/.exec(lines[index])?.[1];
    if (indent === undefined) continue;
    const end = lines.findIndex((line, after) => after > index && line.trimStart().startsWith('```'));
    if (end < 0) throw new Error(`${file}:${index + 1}: a code block that is never closed`);
    const code = lines.slice(index + 1, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line));
    blocks.push({ file, line: index + 2, code: code.join('\n') });
    index = end;
  }
  return blocks;
}

function blockFileName(block: CodeBlock): string {
  return path.join(BLOCK_DIR, `${block.file.replace(/\W/g, '_')}-line-${block.line}.ts`);
}

/** A compiler host that serves the blocks from memory and everything else from disk. */
function hostWith(files: Map<string, string>): ts.CompilerHost {
  const host = ts.createCompilerHost(COMPILER_OPTIONS, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  return {
    ...host,
    fileExists: (fileName) => files.has(fileName) || fileExists(fileName),
    readFile: (fileName) => files.get(fileName) ?? readFile(fileName),
    getSourceFile: (fileName, languageVersion, onError, shouldCreate) => {
      const text = files.get(fileName);
      if (text === undefined) return getSourceFile(fileName, languageVersion, onError, shouldCreate);
      return ts.createSourceFile(fileName, text, languageVersion, true);
    },
  };
}

function compileBlocks(blocks: readonly CodeBlock[]): BlockResult[] {
  const files = new Map(blocks.map((block) => [blockFileName(block), block.code]));
  const program = ts.createProgram([...files.keys()], COMPILER_OPTIONS, hostWith(files));
  const setUp = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  if (setUp.length > 0) throw new Error(`compiler set-up: ${setUp.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n')}`);
  return blocks.map((block) => {
    const sourceFile = program.getSourceFile(blockFileName(block))!;
    const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
    return { file: block.file, line: block.line, diagnostics: diagnostics.map((diagnostic) => describeDiagnostic(block, diagnostic)) };
  });
}

function describeDiagnostic(block: CodeBlock, diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ');
  if (diagnostic.file === undefined || diagnostic.start === undefined) return `${block.file}:${block.line} TS${diagnostic.code}: ${message}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${block.file}:${block.line + line}:${character + 1} TS${diagnostic.code}: ${message}`;
}

function main(markdownFiles: string[]): void {
  const blocks = markdownFiles.flatMap((file) => typescriptBlocks(path.basename(file), fs.readFileSync(file, 'utf8')));
  process.stdout.write(JSON.stringify(compileBlocks(blocks)));
}

if (require.main === module) main(process.argv.slice(2));
