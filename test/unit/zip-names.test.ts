import { describe, expect, it } from 'vitest';
import { safeEntryName, uniqueEntryNames } from '../../src/selection/zip.js';

describe('the names of a zip\'s files', () => {
  it('when names repeat, in any case, then the later ones are numbered before their extension', () => {
    expect(uniqueEntryNames(['a.jpg', 'A.jpg', 'a.JPG', 'b.png', 'a (2).jpg'])).toEqual(['a.jpg', 'A (2).jpg', 'a (3).JPG', 'b.png', 'a (2) (2).jpg']);
    expect(uniqueEntryNames(['README', 'readme'])).toEqual(['README', 'readme (2)']);
  });

  it('when a name has characters or forms some system refuses, then they are replaced and the rest kept', () => {
    expect(safeEntryName('what? "now": a|b*c<d>.jpg')).toBe('what_ _now__ a_b_c_d_.jpg');
    expect(safeEntryName('dir/sub\\file.png')).toBe('dir_sub_file.png');
    expect(safeEntryName('CON.jpg')).toBe('_CON.jpg');
    expect(safeEntryName('lpt1')).toBe('_lpt1');
    expect(safeEntryName('console.jpg')).toBe('console.jpg');
    expect(safeEntryName('trailing. . ')).toBe('trailing');
    expect(safeEntryName('Été 写真.jpg')).toBe('Été 写真.jpg');
    expect(safeEntryName('...')).toBe('image');
  });
});
