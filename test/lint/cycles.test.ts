import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.js';
import { findCycles, importGraph } from './importGraph.js';

describe('imports', () => {
  it('finds a cycle when there is one (so a pass below means something)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
      ['e.ts', ['e.ts']],
    ]);
    expect(findCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['e.ts']]);
  });

  it('has no cycles in core, electron or the renderer, type-only imports included', () => {
    const graph = importGraph(REPO_ROOT, ['core', 'electron', 'renderer']);
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('core/app/createCore.ts')).toContain('core/app/modules.ts');
    expect(findCycles(graph)).toEqual([]);
  });
});
