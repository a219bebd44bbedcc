import './SettingsPanel.css';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { RpcError } from '../../../core/contract/errors.js';
import {
  settingsPatchSchema,
  settingsSchema,
  type Settings,
  type SettingsPatch,
} from '../../../core/contract/schemas.js';
import { api } from '../api/client.js';
import { Field, NumberInput, problemOf, StatusLine, type Message } from '../components/forms.js';
import { useI18n, type I18n } from '../i18n/index.js';
import { useConnection } from '../state/useConnection.js';

type Key = keyof Settings;
type NumberKey = { [K in Key]: Settings[K] extends number ? K : never }[Key];
/** The form's values: numbers in the units people type (MB, megapixels), null while a field is empty. */
type Draft = { [K in Key]: K extends NumberKey ? number | null : Settings[K] };
type Errors = Partial<Record<Key, string>>;

const MIB = 1024 * 1024;

/**
 * How each number setting is shown: the stored value divided by `factor`, rounded to `digits`
 * decimals. Megabytes are of 1024² bytes and megapixels of a million pixels, as core's own
 * messages count them ("over the 50.0 MB limit (Settings → Maximum file size)").
 */
const UNITS = {
  thumbnailSize: { factor: 1, digits: 0 },
  maxInputBytes: { factor: MIB, digits: 1 },
  maxInputPixels: { factor: 1_000_000, digits: 1 },
  maxOutputPixels: { factor: 1_000_000, digits: 1 },
  itemTimeLimitMinutes: { factor: 1, digits: 0 },
  onnxThreads: { factor: 1, digits: 0 },
  maxAttempts: { factor: 1, digits: 0 },
  dailyCostCapUsd: { factor: 1, digits: 2 },
  quotaMarginPercent: { factor: 1, digits: 0 },
  geminiTimeoutSeconds: { factor: 1, digits: 0 },
} as const satisfies Record<NumberKey, { factor: number; digits: number }>;

const GROUPS = [
  { legend: 'settings.group.appearance', keys: ['theme', 'language', 'thumbnailSize'] },
  { legend: 'settings.group.output', keys: ['outputFolderName', 'overwriteOutputs'] },
  {
    legend: 'settings.group.limits',
    keys: ['maxInputBytes', 'maxInputPixels', 'maxOutputPixels', 'itemTimeLimitMinutes'],
  },
  { legend: 'settings.group.performance', keys: ['onnxThreads', 'maxAttempts'] },
  {
    legend: 'settings.group.gemini',
    keys: ['dailyCostCapUsd', 'quotaMarginPercent', 'geminiTimeoutSeconds'],
  },
] as const satisfies readonly { legend: `settings.group.${string}`; keys: readonly Key[] }[];

/** Every setting of the contract has its place in a group (a new one fails to compile until it does). */
type Unplaced = Exclude<Key, (typeof GROUPS)[number]['keys'][number]>;
const everySettingShown: [Unplaced] extends [never] ? true : Unplaced = true;
void everySettingShown;

const KEYS = Object.keys(settingsSchema.shape) as Key[];
const isKey = (k: string): k is Key => (KEYS as string[]).includes(k);
const isNumberKey = (k: Key): k is NumberKey => Object.hasOwn(UNITS, k);

const roundTo = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;
const shown = (k: NumberKey, stored: number): number => roundTo(stored / UNITS[k].factor, UNITS[k].digits);
/** Back to the stored unit; whole bytes and pixels where a unit was converted. */
const stored = (k: NumberKey, value: number): number =>
  UNITS[k].factor === 1 ? value : Math.round(value * UNITS[k].factor);

/** The bounds the contract puts on a number setting, in the units the field shows. */
function rangeOf(k: NumberKey): { min: number; max: number } {
  const schema = settingsSchema.shape[k] as unknown as { minValue: number | null; maxValue: number | null };
  const { factor, digits } = UNITS[k];
  const step = 10 ** digits;
  return {
    min: Math.ceil(((schema.minValue ?? 0) / factor) * step) / step,
    max: Math.floor(((schema.maxValue ?? Number.MAX_SAFE_INTEGER) / factor) * step) / step,
  };
}

function toDraft(s: Settings): Draft {
  const draft: Record<string, unknown> = { ...s };
  for (const k of KEYS) if (isNumberKey(k)) draft[k] = shown(k, s[k]);
  return draft as Draft;
}

/** Whether the user changed this field from what is saved (a rounded number left alone is not a change). */
function isDirty(k: Key, draft: Draft, base: Settings): boolean {
  if (draft[k] === toDraft(base)[k]) return false;
  if (!isNumberKey(k)) return true;
  const value = draft[k];
  return value === null || stored(k, value) !== base[k];
}

/** A field's error, in the units and words of the form, for a contract issue code. */
function messageFor(k: Key, code: string, t: I18n['t']): string {
  if (isNumberKey(k)) {
    return t(UNITS[k].factor === 1 ? 'settings.error.wholeRange' : 'settings.error.range', rangeOf(k));
  }
  if (k === 'outputFolderName') {
    switch (code) {
      case 'too_small':
        return t('settings.error.folderEmpty');
      case 'too_big':
        return t('settings.error.folderLong', {
          count: settingsSchema.shape.outputFolderName.maxLength ?? 64,
        });
      case 'invalid_format':
        return t('settings.error.folderChars');
      case 'custom':
        return t('settings.error.folderDots');
    }
  }
  if (code === 'invalid_value' || code === 'invalid_type') return t('settings.error.choice');
  return t('settings.error.invalid');
}

/** The patch of the changed fields, checked against the contract's own schema. */
function buildPatch(draft: Draft, base: Settings, t: I18n['t']): { patch: SettingsPatch; errors: Errors } {
  const patch: Record<string, unknown> = {};
  const errors: Errors = {};
  for (const k of KEYS) {
    if (!isDirty(k, draft, base)) continue;
    if (isNumberKey(k)) {
      const value = draft[k];
      if (value === null) errors[k] = t('settings.error.required');
      else patch[k] = stored(k, value);
    } else patch[k] = draft[k];
  }
  const parsed = settingsPatchSchema.safeParse(patch);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const k = String(issue.path[0] ?? '');
      if (isKey(k)) errors[k] ??= messageFor(k, issue.code, t);
    }
  }
  return { patch: patch as SettingsPatch, errors };
}

interface FormState {
  /** The saved settings the draft was started from (or last brought up to date with). */
  base: Settings;
  draft: Draft;
  /** Bumped per field when its value is replaced from outside, so that its input starts afresh. */
  resets: Partial<Record<Key, number>>;
}

/**
 * Edits the persisted settings. The draft is checked with the contract's schema before it is sent
 * (each field shows its own problem), only changed fields are saved, the theme is previewed live,
 * and a change made elsewhere (another window, the CLI) updates the fields the user has not touched.
 */
export function SettingsPanel({
  settings,
  onPreviewTheme,
}: {
  settings: Settings;
  onPreviewTheme(theme: Settings['theme'] | null): void;
}) {
  const { t } = useI18n();
  const { online } = useConnection();
  const formRef = useRef<HTMLFormElement>(null);
  const [state, setState] = useState<FormState>(() => ({
    base: settings,
    draft: toDraft(settings),
    resets: {},
  }));
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Errors>({});
  const [message, setMessage] = useState<Message>(null);
  const [busy, setBusy] = useState(false);

  // Saved settings changed (here after Save, or elsewhere): untouched fields follow them, edits stay.
  let current = state;
  if (state.base !== settings) {
    const draft = { ...state.draft } as Record<Key, unknown>;
    const resets = { ...state.resets };
    const next = toDraft(settings);
    for (const k of KEYS) {
      if (settings[k] === state.base[k] || isDirty(k, state.draft, state.base)) continue;
      if (draft[k] !== next[k]) {
        draft[k] = next[k];
        resets[k] = (resets[k] ?? 0) + 1;
      }
    }
    current = { base: settings, draft: draft as Draft, resets };
    setState(current);
  }
  const { base, draft, resets } = current;

  const dirtyKeys = KEYS.filter((k) => isDirty(k, draft, base));
  const clientErrors = submitted ? buildPatch(draft, base, t).errors : {};
  const errors: Errors = { ...serverErrors, ...clientErrors };

  // Live theme preview; the saved theme takes over once the draft matches it again.
  const previewRef = useRef(onPreviewTheme);
  useEffect(() => {
    previewRef.current = onPreviewTheme;
  });
  const preview = isDirty('theme', draft, base) ? draft.theme : null;
  useEffect(() => {
    previewRef.current(preview);
  }, [preview]);
  // Leaving the panel with an unsaved theme: the studio goes back to the saved one.
  useEffect(
    () => () => {
      previewRef.current(null);
    },
    [],
  );

  const set = <K extends Key>(k: K, value: Draft[K]) => {
    setState((s) => ({ ...s, draft: { ...s.draft, [k]: value } }));
    setServerErrors((e) => {
      if (!(k in e)) return e;
      const next = { ...e };
      delete next[k];
      return next;
    });
  };

  const focusFirstInvalid = () =>
    requestAnimationFrame(() =>
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus({ preventScroll: false }),
    );

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    const { patch, errors: found } = buildPatch(draft, base, t);
    if (Object.keys(found).length > 0) {
      setMessage({ kind: 'error', problem: { message: t('settings.invalid'), fields: found } });
      focusFirstInvalid();
      return;
    }
    if (Object.keys(patch).length === 0) {
      setMessage({ kind: 'ok', text: t('settings.unchanged') });
      return;
    }
    setMessage(null);
    setBusy(true);
    try {
      await api.settings.set(patch);
      setSubmitted(false);
      setServerErrors({});
      setMessage({ kind: 'ok', text: t('settings.saved') });
    } catch (e) {
      const fields: Errors = {};
      if (e instanceof RpcError && e.code === 'INVALID_INPUT' && Array.isArray(e.details)) {
        for (const issue of e.details as { path?: unknown; code?: unknown }[]) {
          const k = Array.isArray(issue.path) ? String(issue.path[0] ?? '') : '';
          if (isKey(k)) fields[k] ??= messageFor(k, String(issue.code ?? ''), t);
        }
      }
      if (Object.keys(fields).length > 0) {
        setServerErrors(fields);
        setMessage({ kind: 'error', problem: { message: t('settings.invalid'), fields } });
        focusFirstInvalid();
      } else {
        setMessage({ kind: 'error', problem: problemOf(e, t('error.fields')) });
      }
    } finally {
      setBusy(false);
    }
  };

  const discard = () => {
    setState((s) => {
      const resets = { ...s.resets };
      for (const k of KEYS) if (isDirty(k, s.draft, s.base)) resets[k] = (resets[k] ?? 0) + 1;
      return { base: s.base, draft: toDraft(s.base), resets };
    });
    setSubmitted(false);
    setServerErrors({});
    setMessage(null);
  };

  const numberField = (k: NumberKey, label: string, hint: string): ReactNode => {
    const { min, max } = rangeOf(k);
    return (
      <Field key={k} label={label} hint={`${hint} ${t('settings.range', { min, max })}`} error={errors[k]}>
        {(control) => (
          <NumberInput
            key={resets[k] ?? 0}
            {...control}
            value={draft[k]}
            min={min}
            max={max}
            step={UNITS[k].digits === 0 ? 1 : 'any'}
            onChange={(n) => set(k, n)}
          />
        )}
      </Field>
    );
  };

  const field = (k: Key): ReactNode => {
    const label = t(`settings.${k}.label`);
    const hint = t(`settings.${k}.hint`);
    switch (k) {
      case 'theme':
        return (
          <Field key={k} label={label} hint={hint} error={errors[k]}>
            {(control) => (
              <select
                {...control}
                value={draft.theme}
                onChange={(e) => set('theme', e.target.value as Settings['theme'])}
              >
                <option value="system">{t('settings.theme.system')}</option>
                <option value="light">{t('settings.theme.light')}</option>
                <option value="dark">{t('settings.theme.dark')}</option>
              </select>
            )}
          </Field>
        );
      case 'language':
        return (
          <Field key={k} label={label} hint={hint} error={errors[k]}>
            {(control) => (
              <select
                {...control}
                value={draft.language}
                onChange={(e) => set('language', e.target.value as Settings['language'])}
              >
                <option value="system">{t('settings.language.system')}</option>
                <option value="en" lang="en">
                  {t('settings.language.en')}
                </option>
                <option value="de" lang="de">
                  {t('settings.language.de')}
                </option>
              </select>
            )}
          </Field>
        );
      case 'outputFolderName':
        return (
          <Field key={k} label={label} hint={hint} error={errors[k]}>
            {(control) => (
              <input
                {...control}
                type="text"
                autoComplete="off"
                spellCheck={false}
                value={draft.outputFolderName}
                onChange={(e) => set('outputFolderName', e.target.value)}
              />
            )}
          </Field>
        );
      case 'overwriteOutputs':
        return (
          <Field key={k} label={label} hint={hint} error={errors[k]} className="settings-check">
            {(control) => (
              <input
                {...control}
                type="checkbox"
                checked={draft.overwriteOutputs}
                onChange={(e) => set('overwriteOutputs', e.target.checked)}
              />
            )}
          </Field>
        );
      default:
        return numberField(k, label, hint);
    }
  };

  return (
    <div className="settings-panel">
      <form
        ref={formRef}
        className="settings-form"
        aria-label={t('settings.form')}
        noValidate
        onSubmit={save}
      >
        {GROUPS.map((group) => (
          <fieldset key={group.legend} className="settings-group">
            <legend>{t(group.legend)}</legend>
            <div className="settings-fields">{group.keys.map((k) => field(k))}</div>
          </fieldset>
        ))}
        <div className="settings-actions">
          <button type="submit" className="button primary" disabled={!online || busy}>
            {t('settings.save')}
          </button>
          <button
            type="button"
            className="button"
            disabled={dirtyKeys.length === 0 || busy}
            onClick={discard}
          >
            {t('settings.discard')}
          </button>
          {dirtyKeys.length > 0 && <span className="small muted">{t('settings.unsaved')}</span>}
        </div>
        <StatusLine message={message} />
      </form>
    </div>
  );
}
