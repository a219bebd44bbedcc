import { useState, type FormEvent } from 'react';
import type { Settings } from '../../../core/contract/schemas.js';
import { api } from '../api/client.js';

interface Props {
  settings: Settings;
}

const MB = 1024 * 1024;

type Message = { kind: 'ok' | 'error'; text: string } | null;

/** Edits the persisted settings; the server validates, and its message is shown as is. */
export function SettingsPanel({ settings }: Props) {
  const [message, setMessage] = useState<Message>(null);
  // Remount the form when the saved settings change (here or in another window).
  return (
    <SettingsForm
      key={JSON.stringify(settings)}
      settings={settings}
      message={message}
      setMessage={setMessage}
    />
  );
}

function SettingsForm({
  settings,
  message,
  setMessage,
}: Props & { message: Message; setMessage(m: Message): void }) {
  const [draft, setDraft] = useState<Settings>(settings);

  const set = <K extends keyof Settings>(key: K, value: Settings[K]) => setDraft({ ...draft, [key]: value });
  const save = (event: FormEvent) => {
    event.preventDefault();
    api.settings.set(draft).then(
      () => setMessage({ kind: 'ok', text: 'Settings saved.' }),
      (e: unknown) => setMessage({ kind: 'error', text: e instanceof Error ? e.message : String(e) }),
    );
  };

  return (
    <form className="settings" onSubmit={save}>
      <label>
        Theme
        <select value={draft.theme} onChange={(e) => set('theme', e.target.value as Settings['theme'])}>
          <option value="system">Follow the system</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </label>
      <label>
        Output folder name
        <input value={draft.outputFolderName} onChange={(e) => set('outputFolderName', e.target.value)} />
        <small>Results go into this folder next to the photos.</small>
      </label>
      <label>
        Thumbnail size (pixels)
        <input
          type="number"
          value={draft.thumbnailSize}
          onChange={(e) => set('thumbnailSize', Number(e.target.value))}
        />
      </label>
      <label>
        Maximum file size (MB)
        <input
          type="number"
          value={Math.round(draft.maxInputBytes / MB)}
          onChange={(e) => set('maxInputBytes', Number(e.target.value) * MB)}
        />
      </label>
      <label>
        Maximum pixels (megapixels)
        <input
          type="number"
          value={Math.round(draft.maxInputPixels / 1e6)}
          onChange={(e) => set('maxInputPixels', Number(e.target.value) * 1e6)}
        />
        <small>Larger images are refused before decoding, so a malformed file cannot exhaust memory.</small>
      </label>
      <label>
        ONNX Runtime threads (0 = automatic)
        <input
          type="number"
          value={draft.onnxThreads}
          onChange={(e) => set('onnxThreads', Number(e.target.value))}
        />
      </label>
      <label>
        Attempts per photo
        <input
          type="number"
          min={1}
          max={10}
          value={draft.maxAttempts}
          onChange={(e) => set('maxAttempts', Number(e.target.value))}
        />
        <small>
          A photo is tried again after a server error or a crash, with a growing pause, up to this many times.
        </small>
      </label>
      <div className="form-actions">
        <button type="submit" className="button primary">
          Save settings
        </button>
        {message && (
          <p
            role={message.kind === 'error' ? 'alert' : 'status'}
            className={message.kind === 'error' ? 'error-message' : 'ok'}
          >
            {message.text}
          </p>
        )}
      </div>
    </form>
  );
}
