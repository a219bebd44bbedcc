import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { z } from 'zod';
import {
  ASPECT_RATIOS,
  DEFAULT_IMAGE_MODEL,
  GEMINI_IMAGE_MODELS,
  sizesOf,
  styleDraftSchema,
  type ImageSize,
  type Style,
  type StyleDraft,
} from '../../../core/contract/restyle.js';
import type { MethodOutput } from '../../../core/contract/methods.js';
import { api } from '../api/client.js';
import { useI18n, type I18n } from '../i18n/index.js';
import { useConnection } from '../state/useConnection.js';
import { Field, fieldError, NumberInput, StatusLine, useAction } from './forms.js';
import './StyleEditor.css';

type Preview = MethodOutput<'styles.preview'>;
type Issue = z.core.$ZodIssue;

/** What the editor's fields hold; an emptied sampling field is null (the model's own default). */
export interface EditorDraft {
  name: string;
  prompt: string;
  model: string;
  aspectRatio: (typeof ASPECT_RATIOS)[number];
  imageSize: ImageSize;
  temperature: number | null;
  topP: number | null;
  topK: number | null;
}

const NEW = '';

const EMPTY: EditorDraft = {
  name: '',
  prompt: '',
  model: DEFAULT_IMAGE_MODEL,
  aspectRatio: '4:5',
  imageSize: '1K',
  temperature: null,
  topP: null,
  topK: null,
};

export const draftOf = (s: Style): EditorDraft => ({
  name: s.name,
  prompt: s.prompt,
  model: s.model,
  aspectRatio: s.aspectRatio,
  imageSize: s.imageSize,
  temperature: s.temperature,
  topP: s.topP,
  topK: s.topK,
});

/** The draft as the contract takes it (`styles.create`/`update`/`preview`). */
export const toStyleDraft = (d: EditorDraft): StyleDraft => ({ ...d });

/** The field messages of a draft, in the user's language (the contract's are English fragments). */
function draftProblems(d: EditorDraft, t: I18n['t']): Record<string, string> {
  const parsed = styleDraftSchema.safeParse(toStyleDraft(d));
  const fields: Record<string, string> = {};
  if (parsed.success) return fields;
  for (const issue of parsed.error.issues) fields[issue.path.map(String).join('.')] ??= issueText(issue, t);
  return fields;
}

function issueText(issue: Issue, t: I18n['t']): string {
  const field = String(issue.path[0] ?? '');
  if (field === 'name')
    return t(issue.code === 'too_big' ? 'restyle.editor.error.nameLong' : 'restyle.editor.error.name');
  if (field === 'prompt')
    return t(issue.code === 'too_big' ? 'restyle.editor.error.promptLong' : 'restyle.editor.error.prompt');
  if (field === 'model') return t('restyle.editor.error.model');
  if (field === 'imageSize') return t('restyle.editor.error.size');
  if (field === 'temperature') return t('restyle.editor.error.range', { min: 0, max: 2 });
  if (field === 'topP') return t('restyle.editor.error.range', { min: 0, max: 1 });
  if (field === 'topK') return t('restyle.editor.error.topK', { min: 1, max: 500 });
  return issue.message;
}

/** The request the draft would make, asked for while the user types (stale answers dropped). */
function usePreview(draft: EditorDraft, valid: boolean, online: boolean) {
  const [answer, setAnswer] = useState<{ key: string; preview: Preview | null; error: string | null } | null>(
    null,
  );
  const key = JSON.stringify(draft);
  useEffect(() => {
    if (!valid || !online) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.styles.preview({ draft: toStyleDraft(draft) }, { signal: controller.signal }).then(
        (preview) => !controller.signal.aborted && setAnswer({ key, preview, error: null }),
        (e: unknown) =>
          !controller.signal.aborted &&
          setAnswer({ key, preview: null, error: e instanceof Error ? e.message : String(e) }),
      );
    }, 250);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // `key` stands for the draft.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, valid, online]);
  if (!valid) return { preview: null, error: null, pending: false };
  return answer?.key === key ? { ...answer, pending: false } : { preview: null, error: null, pending: true };
}

interface Props {
  styles: readonly Style[];
  /** The style to open with (none: a new one). */
  initial?: string | null;
  onClose(): void;
}

/**
 * Styles: the list (built-ins first), and the chosen one's fields. User styles are created,
 * edited, duplicated and deleted here; built-ins can be read and duplicated. Beside the fields, the
 * exact request Gemini would get (prompt, generationConfig, price per image) and what is wrong with it.
 */
export function StyleEditor({ styles, initial = null, onClose }: Props) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [selected, setSelected] = useState<string>(initial ?? styles[0]?.id ?? NEW);
  // What the last change did, kept here: the form it came from is replaced by the saved style's.
  const [done, setDone] = useState<{ text: string; id: string } | null>(null);
  const current = styles.find((s) => s.id === selected) ?? null;
  // A style just made is picked before the list that holds it arrives.
  const arriving = current === null && selected !== NEW && done?.id === selected;
  const pick = (id: string) => {
    setSelected(id);
    setDone(null);
  };

  useEffect(() => {
    ref.current?.showModal();
  }, []);

  return (
    <dialog ref={ref} className="dialog style-editor" aria-labelledby={titleId} onClose={onClose}>
      <header className="style-editor-header">
        <h2 id={titleId}>{t('restyle.editor.title')}</h2>
        <button type="button" className="button" onClick={() => ref.current?.close()}>
          {t('common.close')}
        </button>
      </header>
      <div className="style-editor-body">
        <nav className="style-editor-nav" aria-label={t('restyle.editor.list')}>
          <button
            type="button"
            className="button primary"
            aria-pressed={selected === NEW}
            onClick={() => pick(NEW)}
          >
            {t('restyle.editor.new')}
          </button>
          <ul className="style-editor-list" aria-label={t('restyle.editor.list')}>
            {styles.map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  className={`style-editor-item${s.id === selected ? ' current' : ''}`}
                  aria-current={s.id === selected ? 'true' : undefined}
                  onClick={() => pick(s.id)}
                >
                  <span className="style-editor-item-name">{s.name}</span>
                  {s.builtin && <span className="badge badge-muted">{t('restyle.style.builtin')}</span>}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <div className="style-editor-main">
          {done && (
            <p role="status" className="ok style-editor-done">
              {done.text}
            </p>
          )}
          {arriving ? (
            <p className="muted">{t('common.loading')}</p>
          ) : (
            <StyleForm
              // A fresh form per style: its draft starts from that style.
              key={current?.id ?? NEW}
              style={current}
              onSaved={(id, text) => {
                setSelected(id);
                setDone({ id, text });
              }}
              onRemoved={(text) => {
                const next = styles.find((s) => s.id !== selected)?.id ?? NEW;
                setSelected(next);
                setDone({ id: next, text });
              }}
            />
          )}
        </div>
      </div>
    </dialog>
  );
}

function StyleForm({
  style,
  onSaved,
  onRemoved,
}: {
  style: Style | null;
  /** After a create, save or duplicate: the style to show, and what was done. */
  onSaved(id: string, text: string): void;
  onRemoved(text: string): void;
}) {
  const { t, money } = useI18n();
  const { online } = useConnection();
  const [draft, setDraft] = useState<EditorDraft>(() => (style ? draftOf(style) : EMPTY));
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [tried, setTried] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const { message, busy, act } = useAction();
  const builtin = style?.builtin ?? false;
  const problems = useMemo(() => draftProblems(draft, t), [draft, t]);
  const valid = Object.keys(problems).length === 0;
  const preview = usePreview(draft, valid, online);
  const sizes = sizesOf(draft.model);
  const knownModel = GEMINI_IMAGE_MODELS.some((m) => m.id === draft.model);

  const set = <F extends keyof EditorDraft>(field: F, value: EditorDraft[F]) => {
    setDraft((d) => ({ ...d, [field]: value }));
    setTouched((s) => new Set(s).add(field));
  };
  const error = (field: keyof EditorDraft): string | undefined =>
    ((tried || touched.has(field)) && problems[field]) || fieldError(message, `style.${field}`);

  const save = async () => {
    setTried(true);
    await act(async () => {
      if (!valid) throw new Error(t('error.fields'));
      const saved = style
        ? await api.styles.update({ id: style.id, style: toStyleDraft(draft) })
        : await api.styles.create({ style: toStyleDraft(draft) });
      onSaved(saved.id, t(style ? 'restyle.editor.saved' : 'restyle.editor.created', { name: saved.name }));
    }, '');
  };
  const duplicate = () =>
    style &&
    act(async () => {
      const copy = await api.styles.duplicate({ id: style.id });
      onSaved(copy.id, t('restyle.editor.duplicated', { name: style.name }));
    }, '');
  const remove = () =>
    style &&
    act(async () => {
      await api.styles.remove({ id: style.id });
      onRemoved(t('restyle.editor.removed', { name: style.name }));
    }, '');

  const heading = style ? style.name : t('restyle.editor.newTitle');
  return (
    <form
      className="style-form"
      aria-label={heading}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!builtin) void save();
      }}
    >
      <h3>{heading}</h3>
      {builtin && (
        <p className="notice" role="note">
          {t('restyle.editor.builtinNote')}
        </p>
      )}
      <fieldset className="style-fields" disabled={builtin}>
        <legend className="visually-hidden">{heading}</legend>
        <Field label={t('restyle.editor.name')} error={error('name')}>
          {(c) => (
            <input {...c} type="text" value={draft.name} onChange={(e) => set('name', e.target.value)} />
          )}
        </Field>
        <Field
          label={t('restyle.editor.prompt')}
          hint={t('restyle.editor.prompt.hint')}
          error={error('prompt')}
        >
          {(c) => (
            <textarea {...c} rows={7} value={draft.prompt} onChange={(e) => set('prompt', e.target.value)} />
          )}
        </Field>
        <div className="style-grid">
          <Field label={t('restyle.editor.model')} error={error('model')}>
            {(c) => (
              <select
                {...c}
                value={draft.model}
                onChange={(e) => {
                  const model = e.target.value;
                  // A size the new model cannot make falls back to its first.
                  setDraft((d) => ({
                    ...d,
                    model,
                    imageSize: sizesOf(model).includes(d.imageSize)
                      ? d.imageSize
                      : (sizesOf(model)[0] ?? '1K'),
                  }));
                }}
              >
                {GEMINI_IMAGE_MODELS.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
                {!knownModel && <option value={draft.model}>{draft.model}</option>}
              </select>
            )}
          </Field>
          <Field label={t('restyle.editor.aspect')} error={error('aspectRatio')}>
            {(c) => (
              <select
                {...c}
                value={draft.aspectRatio}
                onChange={(e) => set('aspectRatio', e.target.value as EditorDraft['aspectRatio'])}
              >
                {ASPECT_RATIOS.map((r) => (
                  <option key={r} value={r}>
                    {r === 'auto' ? t('restyle.editor.aspect.auto') : r}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('restyle.editor.size')} error={error('imageSize')}>
            {(c) => (
              <select
                {...c}
                value={draft.imageSize}
                onChange={(e) => set('imageSize', e.target.value as ImageSize)}
              >
                {sizes.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
                {!sizes.includes(draft.imageSize) && (
                  <option value={draft.imageSize}>{draft.imageSize}</option>
                )}
              </select>
            )}
          </Field>
          <Field
            label={t('restyle.editor.temperature')}
            hint={t('restyle.editor.default')}
            error={error('temperature')}
          >
            {(c) => (
              <NumberInput
                {...c}
                min={0}
                max={2}
                step="any"
                value={draft.temperature}
                onChange={(n) => set('temperature', n)}
              />
            )}
          </Field>
          <Field label={t('restyle.editor.topP')} hint={t('restyle.editor.default')} error={error('topP')}>
            {(c) => (
              <NumberInput
                {...c}
                min={0}
                max={1}
                step="any"
                value={draft.topP}
                onChange={(n) => set('topP', n)}
              />
            )}
          </Field>
          <Field label={t('restyle.editor.topK')} hint={t('restyle.editor.default')} error={error('topK')}>
            {(c) => (
              <NumberInput {...c} min={1} max={500} value={draft.topK} onChange={(n) => set('topK', n)} />
            )}
          </Field>
        </div>
      </fieldset>

      <div className="row style-actions">
        {!builtin && (
          <button type="submit" className="button primary" disabled={!online || busy}>
            {style ? t('restyle.editor.save') : t('restyle.editor.create')}
          </button>
        )}
        {style && (
          <button
            type="button"
            className="button"
            disabled={!online || busy}
            onClick={() => void duplicate()}
          >
            {t('restyle.editor.duplicate')}
          </button>
        )}
        {style && !builtin && !confirming && (
          <button
            type="button"
            className="button danger"
            disabled={!online || busy}
            onClick={() => setConfirming(true)}
          >
            {t('restyle.editor.delete')}
          </button>
        )}
      </div>
      {style && confirming && (
        <div className="notice style-confirm" role="group" aria-label={t('restyle.editor.delete')}>
          <p>{t('restyle.editor.deleteConfirm', { name: style.name })}</p>
          <div className="row">
            <button
              type="button"
              className="button danger"
              disabled={!online || busy}
              onClick={() => void remove()}
            >
              {t('restyle.editor.deleteYes', { name: style.name })}
            </button>
            <button type="button" className="button" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
      {/* Success is said by the editor (this form is replaced by the saved style's). */}
      <StatusLine message={message?.kind === 'error' ? message : null} />

      <PreviewSection preview={preview} valid={valid} money={money} />
    </form>
  );
}

function PreviewSection({
  preview,
  valid,
  money,
}: {
  preview: { preview: Preview | null; error: string | null; pending: boolean };
  valid: boolean;
  money(usd: number): string;
}) {
  const { t } = useI18n();
  const p = preview.preview;
  return (
    <section className="style-preview" aria-label={t('restyle.preview.title')} aria-busy={preview.pending}>
      <h3>{t('restyle.preview.title')}</h3>
      {!valid ? (
        <p className="muted small">{t('restyle.preview.invalid')}</p>
      ) : preview.error ? (
        <p className="error-message" role="alert">
          {preview.error}
        </p>
      ) : !p ? (
        <p className="muted small">{t('restyle.preview.pending')}</p>
      ) : (
        <>
          {p.problems.length > 0 && (
            <ul className="style-problems" aria-label={t('restyle.preview.problems')}>
              {p.problems.map((problem) => (
                <li key={problem} className="error-message">
                  {problem}
                </li>
              ))}
            </ul>
          )}
          <p className="small">
            {t('restyle.preview.price', { model: p.model, price: money(p.usdPerImage) })}
          </p>
          <h4>{t('restyle.preview.prompt')}</h4>
          <pre className="style-pre" tabIndex={0} aria-label={t('restyle.preview.prompt')}>
            {p.prompt}
          </pre>
          <h4>{t('restyle.preview.config')}</h4>
          <pre className="style-pre mono" tabIndex={0} aria-label={t('restyle.preview.config')}>
            {JSON.stringify(p.generationConfig, null, 2)}
          </pre>
        </>
      )}
    </section>
  );
}
