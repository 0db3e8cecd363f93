import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CAPABILITIES, RATE_TABLES } from '../src/catalog/index.js';

// Issue 17 item 9: the shipped docs (JSDoc in the published .d.ts, `estimate.source`) pointed at the
// project's own design notes and research files, which users don't have. They cite public pages now.
const SRC = resolve(__dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Files outside the package and the repository: the design notes, the research, vendor page copies. */
const INTERNAL = /DESIGN\.md|\bshared\/|\bseeds\/|\bresearch\/|\/work\//;

describe('shipped docs', () => {
  it('src/ names no project-internal document (they reach users through the .d.ts and the bundles)', () => {
    const hits = sourceFiles(SRC).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          INTERNAL.test(line) ? [`${relative(SRC, file)}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(hits).toEqual([]);
  });

  it('every rate and capability cites a public page', () => {
    const sources = [
      ...Object.values(RATE_TABLES).flatMap((t) => [
        ...t.rows.map((r) => r.source),
        ...(t.usdPerCredit === null ? [] : [t.usdPerCredit.source]),
      ]),
      ...Object.values(CAPABILITIES).flatMap((c) => [c.vendorDefaults.source, c.images.source]),
    ];
    for (const source of sources) {
      expect(source).toMatch(/https:\/\/|github\.com\//);
      expect(source).not.toMatch(INTERNAL);
    }
  });

  it('KlingClient, its constructor, its options and every poll option have JSDoc (shown on hover)', () => {
    const documented = (file: string) => {
      const path = join(SRC, file);
      const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
      const found = new Map<string, boolean>();
      const hasDoc = (node: ts.Node) =>
        ts.getJSDocCommentsAndTags(node).some((doc) => ts.isJSDoc(doc) && doc.comment !== undefined);
      const visit = (node: ts.Node): void => {
        if ((ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) && node.name !== undefined) {
          found.set(node.name.text, hasDoc(node));
          for (const member of node.members) {
            if (ts.isConstructorDeclaration(member))
              found.set(`${node.name.text}.constructor`, hasDoc(member));
            else if (member.name !== undefined && ts.isIdentifier(member.name)) {
              found.set(`${node.name.text}.${member.name.text}`, hasDoc(member));
            }
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
      return found;
    };
    const client = documented('client/client.ts');
    for (const name of ['KlingClient', 'KlingClient.constructor']) {
      expect([name, client.get(name)]).toEqual([name, true]);
    }
    expect(documented('client/types.ts').get('KlingClientOptions.poll')).toBe(true);
    const poll = documented('client/poll-delay.ts');
    for (const option of ['intervalMs', 'maxIntervalMs', 'firstPollAfterMs', 'timeoutMs']) {
      expect([option, poll.get(`PollOptions.${option}`)]).toEqual([option, true]);
    }
    expect(poll.get('PollOptions')).toBe(true);
  });
});
