import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The app's package.json (and so its root folder), found by walking up from this module, which sits at a different depth
 * in the source tree, in `dist/` and inside a packaged app.
 */
export function readPackageJson(from: string = dirname(fileURLToPath(import.meta.url))): {
  name: string;
  version: string;
  root: string;
} {
  let dir = from;
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'pixelsmith' && pkg.version)
        return { name: pkg.name, version: pkg.version, root: dir };
    } catch {
      // No package.json here: keep walking up.
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find Pixelsmith's package.json above ${from}`);
    dir = parent;
  }
}
