import * as ts from 'typescript';

/**
 * Rewrites every shorthand property `{ x }` as `{ x: x }` (and `{ x = 1 }` in a destructuring assignment as
 * `{ x: x = 1 }`), which means the same in TypeScript. tslab's converter turns a reference to an earlier cell's
 * binding into `exports.x` everywhere except in a shorthand property, where `x` is then undefined at run time;
 * spelled out, the reference is rewritten like any other.
 */
export function expandShorthandProperties(code: string): string {
  const file = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const insertions: { at: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isShorthandPropertyAssignment(node)) insertions.push({ at: node.name.end, text: `: ${node.name.text}` });
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = code;
  for (const { at, text } of insertions.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  return out;
}
