import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTemplate, DEFAULT_TEMPLATE, planOutputs, siblingPath, type PlanOptions } from './naming.js';

const base: PlanOptions = {
  outDir: null,
  outputFolderName: 'pixelsmith',
  template: DEFAULT_TEMPLATE,
  suffix: '',
  fallbackSuffix: '_convert',
  extension: () => 'webp',
};

describe('output naming', () => {
  it('puts outputs in a folder next to each input by default, or mirrors the tree under --out', () => {
    const inputs = [
      { path: '/photos/a.jpg', relDir: 'photos' },
      { path: '/photos/2019/b.png', relDir: 'photos/2019' },
    ];
    expect(planOutputs(inputs, base)).toEqual([
      '/photos/pixelsmith/a.webp',
      '/photos/2019/pixelsmith/b.webp',
    ]);
    expect(planOutputs(inputs, { ...base, outDir: '/out', suffix: '_small' })).toEqual([
      '/out/photos/a_small.webp',
      '/out/photos/2019/b_small.webp',
    ]);
  });

  it('never plans two outputs on one path (case-insensitively) and never an input path', () => {
    const inputs = [
      { path: '/p/A.jpg', relDir: 'p' },
      { path: '/p/a.png', relDir: 'p' },
      { path: '/p/a.tiff', relDir: 'p' },
    ];
    expect(planOutputs(inputs, { ...base, outDir: '/' })).toEqual([
      '/p/A.webp',
      '/p/a (2).webp',
      '/p/a (3).webp',
    ]);
    const same = planOutputs([{ path: '/p/x.webp', relDir: '' }], { ...base, outDir: '/p' });
    expect(same).toEqual(['/p/x_convert.webp']);
  });

  it('keeps names within 255 bytes, shortening by whole characters (non-ASCII included)', () => {
    const stem = 'фото-'.repeat(60);
    const [out] = planOutputs([{ path: join('/p', `${stem}.jpg`), relDir: '' }], {
      ...base,
      suffix: '_enhanced',
    });
    const name = out?.split('/').pop() ?? '';
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name.endsWith('_enhanced.webp')).toBe(true);
    expect(name).not.toContain('\uFFFD');
  });

  it('rejects templates with unknown placeholders, slashes or no extension', () => {
    expect(() => checkTemplate('{name}{suffix}.{ext}', '_x')).not.toThrow();
    expect(() => checkTemplate('{date}.{ext}', '')).toThrow(/unknown placeholder \{date\}/);
    expect(() => checkTemplate('{name}', '')).toThrow(/\{ext\}/);
    expect(() => checkTemplate('../{name}.{ext}', '')).toThrow(/slashes/);
    expect(() => checkTemplate('{name}.{ext}', 'a/b')).toThrow(/slashes/);
  });

  it('derives sibling outputs for operations that write more than one file', () => {
    expect(siblingPath('/out/a_x.webp', '_mask', 'png')).toBe('/out/a_x_mask.png');
    expect(siblingPath('/out/a_x.webp', '_small')).toBe('/out/a_x_small.webp');
    expect(() => siblingPath('/out/a.webp', '../b')).toThrow(/slashes/);
  });
});
