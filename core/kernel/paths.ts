import { homedir } from 'node:os';
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';

/** Product name; Electron's `userData` folder is `<appData>/<productName>`, so both shells agree. */
export const PRODUCT_NAME = 'Pixelsmith';

/**
 * The OS's usual per-user app-data folder, the same one Electron's `app.getPath('userData')`
 * gives the desktop app: `%APPDATA%\Pixelsmith`, `~/Library/Application Support/Pixelsmith`,
 * or `$XDG_CONFIG_HOME/Pixelsmith` (default `~/.config/Pixelsmith`).
 */
export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), PRODUCT_NAME);
}

/** `--data-dir` beats `PIXELSMITH_DATA_DIR`, which beats the OS default. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env.PIXELSMITH_DATA_DIR;
  return resolve(chosen && chosen.trim() !== '' ? chosen : defaultDataDir(process.platform, env));
}

/**
 * A path as its user knows it. Files a browser uploaded live at `<imports>/<batch>/<what they
 * chose>`; they are shown as what was chosen (`photos/a.jpg`). Any other path is shown as it is.
 */
export function shownPathOf(path: string, importsDir: string): string {
  const prefix = importsDir.endsWith(sep) ? importsDir : importsDir + sep;
  if (!path.startsWith(prefix)) return path;
  const rest = path.slice(prefix.length);
  const slash = rest.indexOf(sep);
  return slash < 0 ? rest : rest.slice(slash + 1);
}

/** Where each kind of data lives inside the data folder. */
export function dataPaths(dataDir: string) {
  return {
    db: join(dataDir, 'pixelsmith.db'),
    thumbs: join(dataDir, 'cache', 'thumbs'),
    /** Images Gemini made, by content key (the restyle cache). */
    restyleCache: join(dataDir, 'cache', 'restyle'),
    imports: join(dataDir, 'imports'),
    models: join(dataDir, 'models'),
    /** Key for API-key encryption in headless mode (mode 0600). */
    secretKey: join(dataDir, 'secret.key'),
  };
}

/**
 * The real path of `path` even when it does not exist yet: the nearest existing ancestor's real
 * path (links resolved) with the rest appended. What a folder a job will create really is.
 */
export function realPathOf(path: string): string {
  let head = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...rest.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return resolve(path);
      rest.push(basename(head));
      head = parent;
    }
  }
}

/** Whether `path` is `root` or inside it (both real paths). */
export function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
