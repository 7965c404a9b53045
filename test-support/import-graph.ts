/**
 * The relative-import graph of a source tree, for the test that keeps app/'s folders stacked one
 * way (app/import-graph.test.ts). Type-only imports count: a folder that needs another's types
 * depends on it as much as one that calls it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Adjacency: each node and the nodes it imports. */
export type Graph = Map<string, Set<string>>;

const SPECIFIER = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const CANDIDATES = ['', '.ts', '.tsx', '/index.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

function resolveSpecifier(fromFile: string, specifier: string): string {
  const base = path.resolve(path.dirname(fromFile), specifier);
  for (const suffix of CANDIDATES) {
    const candidate = base + suffix;
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${fromFile} imports "${specifier}", which resolves to no file`);
}

/** File-level graph of every non-test .ts/.tsx file under `root`, keyed by path relative to `root`. */
export function fileGraph(root: string): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(root)) {
    const targets = new Set<string>();
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const target = resolveSpecifier(file, match[1]!);
      const relative = path.relative(root, target);
      if (!relative.startsWith('..')) targets.add(relative);
    }
    graph.set(path.relative(root, file), targets);
  }
  return graph;
}

/** The same graph with each file replaced by its first folder under the root (root files keep their name). */
export function folderGraph(files: Graph): Graph {
  const folder = (file: string) => file.split(path.sep)[0]!;
  const graph: Graph = new Map();
  for (const [file, targets] of files) {
    const from = folder(file);
    const edges = graph.get(from) ?? new Set<string>();
    for (const target of targets) if (folder(target) !== from) edges.add(folder(target));
    graph.set(from, edges);
  }
  return graph;
}

/** One cycle of the graph as a path that ends where it starts, or null when it has none. */
export function findCycle(graph: Graph): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of [...graph.keys()].sort()) {
    if (!state.has(node)) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return null;
}
