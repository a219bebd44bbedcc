/** A file the user dropped or picked, with its path relative to what they chose. */
export interface PickedFile {
  file: File;
  /** `photos/2019/a.jpg` for a file inside a dropped folder, `a.jpg` for a loose file. */
  relativePath: string;
}

/** What a scan needs from a pick: the roots to scan and how to show their paths to the user. */
export interface ResolvedPick {
  roots: string[];
  /** Maps a core path prefix to what the user knows it as (uploads live under the data folder). */
  displayPrefix: { from: string; to: string } | null;
  /** Files that could not be handed to the server, with the reason. */
  failed: { relativePath: string; message: string }[];
}

const UPLOAD_CONCURRENCY = 4;

function newBatchId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * In Electron, files have local paths and are scanned where they are. In a browser, they are
 * uploaded to the server first (the browser never reveals local paths) and scanned there.
 */
export async function resolvePick(
  files: readonly PickedFile[],
  onUpload: (done: number, total: number) => void,
): Promise<ResolvedPick> {
  const shell = window.pixelsmithShell;
  if (shell) {
    const roots = new Set<string>();
    for (const { file, relativePath } of files) {
      const path = shell.pathForFile(file);
      const depth = relativePath.split('/').length - 1;
      // For a file inside a picked folder, scan the folder itself once.
      roots.add(depth > 0 ? path.split(/[/\\]/).slice(0, -depth).join('/') : path);
    }
    return { roots: [...roots], displayPrefix: null, failed: [] };
  }

  const batch = newBatchId();
  const roots = new Set<string>();
  let done = 0;
  let prefix = '';
  const queue = [...files];
  const failed: ResolvedPick['failed'] = [];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const url = `/upload?batch=${batch}&path=${encodeURIComponent(next.relativePath)}`;
      const response = await fetch(url, { method: 'PUT', body: next.file }).catch(() => null);
      const body = (await response?.json().catch(() => null)) as {
        ok?: boolean;
        value?: { path: string };
        error?: { message: string };
      } | null;
      if (body?.ok && body.value) {
        const path = body.value.path;
        const top = next.relativePath.split('/')[0] ?? next.relativePath;
        // `<imports>/<batch>/<top>`: one root per top-level file or folder the user chose.
        const at = path.lastIndexOf(`/${batch}/`);
        prefix = path.slice(0, at + batch.length + 2);
        roots.add(prefix + top);
      } else {
        const reason =
          body?.error?.message ??
          (response ? `the server answered ${response.status}` : 'the server could not be reached');
        failed.push({
          relativePath: next.relativePath,
          message: `Could not send ${next.relativePath} to Pixelsmith: ${reason}`,
        });
      }
      done += 1;
      onUpload(done, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, files.length) }, worker));
  return { roots: [...roots], displayPrefix: prefix ? { from: prefix, to: '' } : null, failed };
}

/**
 * Collects files from a drop, walking into dropped folders (browser File System entries API).
 * Where a drop carries no entries (some platforms, files dragged from another app), its plain
 * `files` list is used instead: loose files still arrive, folders cannot.
 */
export async function filesFromDrop(data: DataTransfer): Promise<PickedFile[]> {
  const items = data.items;
  const entries = [...items]
    .filter((i) => i.kind === 'file')
    .map((i) => i.webkitGetAsEntry())
    .filter((e): e is FileSystemEntry => e !== null);
  const out: PickedFile[] = [];
  const visit = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ file, relativePath: prefix + entry.name });
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries returns the folder in chunks; keep reading until it returns none.
    for (;;) {
      const chunk = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      if (chunk.length === 0) break;
      for (const child of chunk) await visit(child, `${prefix}${entry.name}/`);
    }
  };
  if (entries.length === 0) return filesFromInput(data.files);
  for (const entry of entries) await visit(entry, '');
  return out;
}

/** Files from an `<input type=file>` (with `webkitdirectory`, each carries its relative path). */
export function filesFromInput(list: FileList | null): PickedFile[] {
  return [...(list ?? [])].map((file) => ({ file, relativePath: file.webkitRelativePath || file.name }));
}
