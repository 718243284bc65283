// The one typed boundary between the kernels and TypeScript (how to add a kernel: assembly/abi.ts).
//
// Reads assembly/ with the TypeScript parser and writes bindings/abi.generated.ts:
//   - every declaration of assembly/abi.ts (op codes, tile sizes, limits), which the kernels
//     import too, so each number is written once;
//   - the `KernelExports` interface: one method per function the wasm module exports (followed
//     from assembly/index.ts through its `export * from`), with the kernel's own parameter names
//     and doc comment, so a misspelt kernel or a wrong argument count fails `tsc`;
//   - KERNEL_ARITY, for the runtime check of calls built from arrays (thread tasks).
// After asc has compiled, checkExports() compares the module's real exports with that list.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** AssemblyScript types that may cross the boundary, and their TypeScript spelling. */
const NUMERIC = ['i8', 'i16', 'i32', 'u8', 'u16', 'u32', 'isize', 'usize', 'f32', 'f64', 'bool'];
const BIGINT = ['i64', 'u64'];

class AbiError extends Error {}

function where(sf, node) {
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return `${sf.fileName}:${line + 1}`;
}

function parse(file) {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}

const isExported = (node) => node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;

function docOf(sf, node) {
  const ranges = ts.getLeadingCommentRanges(sf.text, node.getFullStart()) ?? [];
  const docs = ranges.map((r) => sf.text.slice(r.pos, r.end)).filter((c) => c.startsWith('/**'));
  return docs.length ? docs[docs.length - 1] : '';
}

function typeOf(sf, node, typeNode, what) {
  const t = typeNode?.getText(sf);
  if (t === undefined) throw new AbiError(`${where(sf, node)}: ${what} needs an explicit type (one of ${[...NUMERIC, ...BIGINT].join(', ')})`);
  if (NUMERIC.includes(t) || BIGINT.includes(t) || t === 'void') return t;
  throw new AbiError(`${where(sf, node)}: ${what} has type ${t}, which cannot cross the wasm boundary (use ${NUMERIC.join('/')} or pointers as usize)`);
}

/** Exported functions of `file` and of every module it re-exports with `export *`. */
function collectKernels(file, root, seen = new Set(), out = []) {
  const path = resolve(file);
  if (seen.has(path)) return out;
  seen.add(path);
  const sf = parse(path);
  for (const st of sf.statements) {
    if (ts.isExportDeclaration(st)) {
      if (st.exportClause) throw new AbiError(`${where(sf, st)}: only \`export * from\` re-exports are supported in the kernel entry`);
      const spec = st.moduleSpecifier.text;
      collectKernels(join(dirname(path), spec.endsWith('.ts') ? spec : spec + '.ts'), root, seen, out);
    } else if (ts.isFunctionDeclaration(st) && isExported(st)) {
      const name = st.name.text;
      const params = st.parameters.map((p) => {
        if (p.initializer || p.questionToken) throw new AbiError(`${where(sf, p)}: kernel ${name}: parameter ${p.name.getText(sf)} has a default; raw exports need every argument`);
        return { name: p.name.getText(sf), type: typeOf(sf, p, p.type, `kernel ${name}: parameter ${p.name.getText(sf)}`) };
      });
      const result = typeOf(sf, st, st.type, `kernel ${name}: the return`);
      out.push({ name, params, result, doc: docOf(sf, st), from: relative(root, path) });
    } else if (isExported(st) && !ts.isFunctionDeclaration(st)) {
      throw new AbiError(`${where(sf, st)}: a kernel module exports something that is not a function; shared constants belong in assembly/abi.ts`);
    }
  }
  return out;
}

function literal(sf, node, expr) {
  const e = expr && ts.isPrefixUnaryExpression(expr) && expr.operator === ts.SyntaxKind.MinusToken ? expr.operand : expr;
  if (!e || !ts.isNumericLiteral(e)) throw new AbiError(`${where(sf, node)}: ABI values must be number literals`);
  return expr.getText(sf);
}

/** assembly/abi.ts's declarations, as TypeScript text. */
function abiConstants(file) {
  const sf = parse(file);
  const out = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) throw new AbiError(`${where(sf, st)}: assembly/abi.ts imports nothing`);
    if (!isExported(st)) throw new AbiError(`${where(sf, st)}: every declaration in assembly/abi.ts is exported (it is the ABI)`);
    const doc = docOf(sf, st);
    if (ts.isEnumDeclaration(st)) {
      const members = st.members.map((m) => `${m.name.getText(sf)}: ${literal(sf, m, m.initializer)}`);
      const name = st.name.text;
      out.push(`${doc}\nexport const ${name} = { ${members.join(', ')} } as const;\nexport type ${name} = (typeof ${name})[keyof typeof ${name}];`);
    } else if (ts.isVariableStatement(st) && st.declarationList.flags & ts.NodeFlags.Const) {
      for (const d of st.declarationList.declarations) {
        out.push(`${doc}\nexport const ${d.name.getText(sf)} = ${literal(sf, d, d.initializer)};`);
      }
    } else {
      throw new AbiError(`${where(sf, st)}: assembly/abi.ts holds only \`export enum\` and \`export const NAME = <number>\``);
    }
  }
  return out;
}

const reindent = (doc) => doc.split('\n').map((l) => '  ' + l.trim().replace(/^\*/, ' *')).join('\n');

/** The generated module's text, or throws AbiError naming the file and line. */
export function generateAbi(root) {
  const kernels = collectKernels(join(root, 'assembly', 'index.ts'), root);
  const seen = new Map();
  for (const k of kernels) {
    if (seen.has(k.name)) throw new AbiError(`kernel ${k.name} is exported twice (${seen.get(k.name)} and ${k.from})`);
    seen.set(k.name, k.from);
  }
  const lines = [
    '// Generated by scripts/gen-abi.mjs from assembly/ at build time: do not edit, do not commit.',
    '// Op codes and sizes come from assembly/abi.ts; KernelExports lists every exported kernel.',
    '/* eslint-disable */',
    '',
    '// AssemblyScript value types as they arrive in JavaScript (documentation: all are numbers).',
    ...NUMERIC.map((t) => `export type ${t} = number;`),
    ...BIGINT.map((t) => `export type ${t} = bigint;`),
    '',
    ...abiConstants(join(root, 'assembly', 'abi.ts')),
    '',
    '/** The functions the kernels module exports (besides its memory). */',
    'export interface KernelExports {',
    ...kernels.map((k, i) => (i === 0 || kernels[i - 1].from !== k.from ? `\n  // ${k.from}\n` : '')
      + `${k.doc ? reindent(k.doc) + '\n' : ''}  ${k.name}(${k.params.map((p) => `${p.name}: ${p.type}`).join(', ')}): ${k.result};`),
    '}',
    '',
    'export type KernelName = keyof KernelExports;',
    '',
    '/** Each kernel\'s argument count, for calls assembled from arrays (thread tasks). */',
    'export const KERNEL_ARITY: { readonly [K in KernelName]: number } = {',
    ...kernels.map((k) => `  ${k.name}: ${k.params.length},`),
    '};',
    '',
  ];
  return { text: lines.join('\n'), names: kernels.map((k) => k.name) };
}

/**
 * Names of a module's function exports, read from its export section (not compiled: the relaxed
 * builds do not compile on every runtime that builds them).
 */
function functionExports(bytes) {
  let at = 8; // magic and version
  const leb = () => {
    let value = 0, shift = 0, byte;
    do {
      byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  while (at < bytes.length) {
    const id = bytes[at++], size = leb(), end = at + size;
    if (id === 7) {
      const names = [];
      for (let n = leb(); n > 0; n--) {
        const len = leb();
        const name = new TextDecoder().decode(bytes.subarray(at, at + len));
        at += len;
        const kind = bytes[at++];
        leb(); // index
        if (kind === 0) names.push(name);
      }
      return names;
    }
    at = end;
  }
  return [];
}

/** Compares a compiled module's function exports with the generated list; returns the problems. */
export function checkExports(wasmBytes, names, file) {
  const exported = functionExports(wasmBytes).filter((n) => n !== '_initialize');
  const want = new Set(names), have = new Set(exported);
  const problems = [];
  for (const n of names) if (!have.has(n)) problems.push(`${file} does not export kernel ${n}`);
  for (const n of exported) if (!want.has(n)) problems.push(`${file} exports ${n}, which scripts/gen-abi.mjs did not find in assembly/`);
  return problems;
}

export { AbiError };
