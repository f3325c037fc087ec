import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name), join(prefix, entry.name)) : [join(prefix, entry.name)],
  );
}

describe('generated contracts', () => {
  it('match proto/ exactly (run `npm run proto` after editing a .proto file)', () => {
    const out = mkdtempSync(join(tmpdir(), 'steward-proto-'));
    try {
      const template = JSON.stringify({
        version: 'v2',
        inputs: [{ directory: 'proto' }],
        plugins: [{ local: 'protoc-gen-es', out, opt: ['target=ts', 'import_extension=js'] }],
      });
      execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', '--template', template], {
        cwd: root,
        env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` },
      });
      const committed = join(root, 'libs/contracts/src/gen');
      const expected = listFiles(out).sort();
      expect(listFiles(committed).sort()).toEqual(expected);
      for (const file of expected) {
        expect(readFileSync(join(committed, file), 'utf8')).toBe(readFileSync(join(out, file), 'utf8'));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
