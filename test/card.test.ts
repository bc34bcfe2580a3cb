import { describe, expect, it } from 'vitest';
import { markdownFoldLine, terminalFoldLine } from '../src/render/card.js';

describe('the counter line for folded repeats', () => {
  const folded = (firstMs: number, lastMs: number) => ({ rule: 'Terminal shell in container', where: 'checkout (a1b2c3d4e5f6)', count: 4, firstMs, lastMs });
  it('says how long the repeats went on, and "within 1s" rather than "over 0s" for a burst', () => {
    expect(markdownFoldLine(folded(1000, 1400))).toBe('  - 4 more Terminal shell in container in checkout (a1b2c3d4e5f6) folded (within 1s)\n');
    expect(markdownFoldLine(folded(1000, 13_600))).toBe('  - 4 more Terminal shell in container in checkout (a1b2c3d4e5f6) folded (over 13s)\n');
    expect(terminalFoldLine(folded(0, 999), { version: '0.1.0', color: false, width: 100 })).toBe('  ↳ 4 more "Terminal shell in container" in checkout (a1b2c3d4e5f6) folded (within 1s)\n');
    expect(terminalFoldLine(folded(0, 2500), { version: '0.1.0', color: false, width: 100 })).toBe('  ↳ 4 more "Terminal shell in container" in checkout (a1b2c3d4e5f6) folded (over 3s)\n');
  });
});
