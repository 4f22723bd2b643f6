/**
 * Every TypeScript block of README.md compiles, under strict, against the library's sources: what a
 * new user copies from the README works. All blocks go into one compiler program (aws-cdk-lib's
 * declarations are read once), each block as a module of its own.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');
const README = path.join(ROOT, 'README.md');
/** Blocks live next to the README, so that their imports resolve from the project's node_modules. */
const BLOCK_DIR = path.join(ROOT, '.readme-blocks');

interface CodeBlock {
  /** The README line of the block's first line of code. */
  readonly line: number;
  readonly code: string;
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
  // What `npm install cdk-pocket-id` would give, from the sources; aws-cdk-lib and constructs from node_modules.
  paths: { 'cdk-pocket-id': ['lib/index.ts'] },
};

/** The ```ts and ```typescript blocks of a Markdown text (indented ones too, as in a list), with the line each starts on. */
function typescriptBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const indent = /^( *)```(ts|typescript)\s*$/.exec(lines[index])?.[1];
    if (indent === undefined) continue;
    const end = lines.findIndex((line, after) => after > index && line.trimStart().startsWith('```'));
    if (end < 0) throw new Error(`README.md:${index + 1}: a code block that is never closed`);
    const code = lines.slice(index + 1, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line));
    blocks.push({ line: index + 2, code: code.join('\n') });
    index = end;
  }
  return blocks;
}

function blockFileName(block: CodeBlock): string {
  return path.join(BLOCK_DIR, `readme-line-${block.line}.ts`);
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

/** Compiles the blocks in one program; returns each block's diagnostics, with README line numbers. */
function compileBlocks(blocks: readonly CodeBlock[]): Map<CodeBlock, string[]> {
  const files = new Map(blocks.map((block) => [blockFileName(block), block.code]));
  const program = ts.createProgram([...files.keys()], COMPILER_OPTIONS, hostWith(files));
  const global = program.getOptionsDiagnostics().concat(program.getGlobalDiagnostics());
  if (global.length > 0) throw new Error(`compiler set-up: ${global.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n')}`);
  return new Map(blocks.map((block) => {
    const sourceFile = program.getSourceFile(blockFileName(block))!;
    const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
    return [block, diagnostics.map((diagnostic) => describeDiagnostic(block, diagnostic))];
  }));
}

function describeDiagnostic(block: CodeBlock, diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ');
  if (diagnostic.file === undefined || diagnostic.start === undefined) return `TS${diagnostic.code}: ${message}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `README.md:${block.line + line}:${character + 1} TS${diagnostic.code}: ${message}`;
}

const readmeBlocks = typescriptBlocks(fs.readFileSync(README, 'utf8'));
/** Not in the README: it proves that a block that does not compile is reported, with its line. */
const BROKEN_BLOCK: CodeBlock = {
  line: 1_000_000,
  code: "import { OidcClient } from 'cdk-pocket-id';\ndeclare const client: OidcClient;\nexport const arn: string = client.secret.secretArn;",
};
const results = compileBlocks([...readmeBlocks, BROKEN_BLOCK]);

describe('README.md', () => {
  test('has TypeScript blocks to check', () => {
    expect(readmeBlocks.length).toBeGreaterThan(0);
  });

  test.each(readmeBlocks.map((block) => [block.line, block] as const))('the block starting at README.md:%d compiles under strict', (_, block) => {
    expect(results.get(block)).toEqual([]);
  });

  test('a block that does not compile is reported with its README line and the compiler\'s messages', () => {
    expect(results.get(BROKEN_BLOCK)).toEqual([
      "README.md:1000002:28 TS18048: 'client.secret' is possibly 'undefined'.",
    ]);
  });
});
