import { luffyPlugin } from './plugin';

describe('luffy', () => {
  it('should export plugin', () => {
    expect(luffyPlugin).toBeDefined();
  });
});
