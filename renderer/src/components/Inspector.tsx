import { useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import { CONVERT_FORMATS } from '../../../core/contract/convert.js';
import {
  ALPHA_MODES,
  BACKGROUND_MODES,
  ENHANCE_FORMATS,
  FACE_DETECTORS,
  FACE_SELECTIONS,
  type ModelInfo,
} from '../../../core/contract/enhance.js';
import type { LibraryPhoto } from '../../../core/contract/files.js';
import type { JobEstimate, JobItem, JobSummary } from '../../../core/contract/jobs.js';
import type { Settings } from '../../../core/contract/schemas.js';
import { api, isDesktop } from '../api/client.js';
import { useI18n, type MessageKey } from '../i18n/index.js';
import type { PhotoPanelId } from '../panels.js';
import {
  checkDraft,
  type ConvertDraft,
  type EnhanceDraft,
  type OptionDrafts,
} from '../panels/photoOptions.js';
import { useConnection } from '../state/useConnection.js';
import { FolderChooser } from './FolderChooser.js';
import { Field, fieldError, NumberInput, StatusLine, useAction } from './forms.js';
import './FaceStrip.css';
import { ResultLink, JobZipLink } from './ResultLinks.js';

const fileName = (path: string): string => path.split(/[/\\]/).pop() ?? path;
const SCALES = [2, 3, 4];

interface Props<K extends PhotoPanelId> {
  kind: K;
  /** The photos Start would queue: the healthy selected ones, or every healthy one. */
  photos: readonly LibraryPhoto[];
  selectedCount: number;
  damagedLeftOut: number;
  draft: OptionDrafts[K];
  onDraft(next: OptionDrafts[K]): void;
  models: ModelInfo[] | null;
  settings: Settings | null;
  latest: JobSummary | null;
  latestItems: readonly JobItem[];
  onCompare(item: JobItem): void;
  onOpenJob(id: string): void;
  onOpenModels(): void;
}

/**
 * Estimates for the photos and options, debounced while the user types. An estimate is shown
 * only for the request it answers (`pending` while a newer one is on its way).
 */
function useEstimate(kind: string, options: Record<string, unknown> | null, photos: readonly LibraryPhoto[]) {
  const [answer, setAnswer] = useState<{ key: string; estimate: JobEstimate | null } | null>(null);
  const photosKey = useMemo(() => photos.map((p) => p.path).join('\n'), [photos]);
  const key = `${kind}|${JSON.stringify(options)}|${photosKey}`;
  const wanted = options !== null && photos.length > 0;
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    const timer = setTimeout(() => {
      api.jobs
        .estimate({ kind, options, images: photos.map((p) => ({ width: p.width, height: p.height })) })
        .then(
          (estimate) => live && setAnswer({ key, estimate }),
          () => live && setAnswer({ key, estimate: null }),
        );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // `key` stands for kind, options and photos.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, wanted]);
  if (!wanted) return { estimate: null, pending: false };
  return answer?.key === key
    ? { estimate: answer.estimate, pending: false }
    : { estimate: null, pending: true };
}

/**
 * Where results go when the user chose no folder. On the desktop: next to each photo. In the
 * browser studio photos are uploads kept inside Pixelsmith's own data folder, where outputs are
 * never written, so results go to a "Pixelsmith" folder in the first folder the server offers.
 */
function useDefaultOutDir(): string | null {
  const [dir, setDir] = useState<string | null>(null);
  useEffect(() => {
    if (isDesktop) return;
    let live = true;
    api.files.folders({}).then(
      (r) => live && r.roots[0] !== undefined && setDir(`${r.roots[0].replace(/[\\/]+$/, '')}/Pixelsmith`),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return dir;
}

/**
 * The output folder a photo panel's run writes to: the one the user chose, else the default;
 * `choose` asks the desktop shell for a folder, or opens the server's folder chooser (`chooser`,
 * rendered outside the panel's form).
 */
export function useOutputFolder() {
  const { t } = useI18n();
  const [outDir, setOutDir] = useState<string | null>(null);
  const [choosing, setChoosing] = useState(false);
  const defaultOutDir = useDefaultOutDir();
  const target = outDir ?? defaultOutDir;
  const choose = async () => {
    const shell = window.pixelsmithShell;
    if (isDesktop && shell) {
      const picked = await shell.pickFolder(t('inspector.output'));
      if (picked) setOutDir(picked);
    } else setChoosing(true);
  };
  const chooser = choosing ? (
    <FolderChooser start={target} onChoose={setOutDir} onClose={() => setChoosing(false)} />
  ) : null;
  return { outDir, target, choose, reset: () => setOutDir(null), chooser };
}

/** Where the results go, with Choose… and (once chosen) Use the default. */
export function OutputFolderField({
  kind,
  folder,
  settings,
  online,
}: {
  kind: string;
  folder: ReturnType<typeof useOutputFolder>;
  settings: Settings | null;
  online: boolean;
}) {
  const { t } = useI18n();
  return (
    <div className="field">
      <span className="field-label" id={`${kind}-out-label`}>
        {t('inspector.output')}
      </span>
      <p className="output-folder mono small" aria-labelledby={`${kind}-out-label`}>
        {folder.target ?? t('inspector.output.nextTo', { name: settings?.outputFolderName ?? 'pixelsmith' })}
      </p>
      <div className="row">
        <button type="button" className="button" disabled={!online} onClick={() => void folder.choose()}>
          {t('inspector.output.choose')}
        </button>
        {folder.outDir !== null && (
          <button type="button" className="link" onClick={folder.reset}>
            {t('inspector.output.reset')}
          </button>
        )}
      </div>
    </div>
  );
}

/** The panel's options, the estimate, the output folder and Start; then the last run's results. */
export function Inspector<K extends PhotoPanelId>(props: Props<K>) {
  const { kind, photos, draft, onDraft, latest, latestItems } = props;
  const { t, duration, megapixels, money } = useI18n();
  const { online } = useConnection();
  const folder = useOutputFolder();
  const target = folder.target;
  const { message, busy, act } = useAction();
  const checked = checkDraft(kind, draft);
  const options = checked.ok ? checked.options : null;
  const { estimate, pending } = useEstimate(kind, options, photos);
  const upscalers = useMemo(
    () => props.models?.filter((m) => m.task === 'upscale' && m.installed) ?? [],
    [props.models],
  );
  const faceModels = useMemo(
    () => props.models?.filter((m) => m.task === 'face-restore' && m.installed) ?? [],
    [props.models],
  );
  const enhanceDraft = kind === 'enhance' ? (draft as EnhanceDraft) : null;
  // Lanczos enlarges the background without an upscaling model.
  const noModel =
    enhanceDraft !== null &&
    enhanceDraft.background === 'model' &&
    props.models !== null &&
    upscalers.length === 0;
  const noFaceModel =
    enhanceDraft !== null && enhanceDraft.face && props.models !== null && faceModels.length === 0;
  // One unfinished job per panel: Start comes back when it ends (a paused one is resumed or
  // cancelled in the Queue).
  const active =
    latest !== null &&
    (latest.status === 'queued' || latest.status === 'running' || latest.status === 'paused');
  const action = t(`kind.${kind}` as MessageKey);
  const fieldMessage = (path: string): string | undefined => {
    if (!checked.ok && path in checked.fields) return checked.fields[path] ?? t('field.required');
    return fieldError(message, `options.${path}`);
  };

  const start = () =>
    act(async () => {
      if (!options) throw new Error(t('error.fields'));
      const job = await api.jobs.create({
        kind,
        options,
        files: photos.map((p) => ({ path: p.path, relDir: p.relDir, pixels: p.width * p.height })),
        priority: 'interactive',
        ...(target !== null && { outDir: target }),
      } as Parameters<typeof api.jobs.create>[0]);
      return job;
    }, t('inspector.started'));

  return (
    <aside className="inspector" aria-label={t('inspector.label')}>
      <InspectorScope
        count={photos.length}
        selectedCount={props.selectedCount}
        damagedLeftOut={props.damagedLeftOut}
      />

      <form
        className="inspector-form"
        aria-label={t('inspector.label')}
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        {kind === 'enhance' ? (
          <EnhanceFields
            draft={draft as EnhanceDraft}
            onDraft={(d) => onDraft(d as OptionDrafts[K])}
            models={upscalers}
            faceModels={faceModels}
            onOpenModels={props.onOpenModels}
            error={fieldMessage}
          />
        ) : (
          <ConvertFields
            draft={draft as ConvertDraft}
            onDraft={(d) => onDraft(d as OptionDrafts[K])}
            error={fieldMessage}
          />
        )}

        {noModel && (
          <p className="notice" role="note">
            {t('inspector.noModel')}{' '}
            <button type="button" className="link" onClick={props.onOpenModels}>
              {t('inspector.openModels')}
            </button>
          </p>
        )}

        <section className="estimate" aria-label={t('inspector.estimate')} aria-busy={pending}>
          <h2>{t('inspector.estimate')}</h2>
          <dl>
            <dt>{t('inspector.estimate.photos')}</dt>
            <dd>{photos.length}</dd>
            {estimate?.largestOutput && (
              <>
                <dt>{t('inspector.estimate.output')}</dt>
                <dd>
                  {t('common.dimensions', {
                    width: String(estimate.largestOutput.width),
                    height: String(estimate.largestOutput.height),
                  })}{' '}
                  <span className="muted">({megapixels(estimate.outputPixels)})</span>
                </dd>
              </>
            )}
            <dt>{t('inspector.estimate.time')}</dt>
            <dd>
              {estimate && estimate.estimatedMs !== null ? (
                <>
                  {t('inspector.estimate.timeValue', { duration: duration(estimate.estimatedMs) })}{' '}
                  <span className="muted small">
                    ({t('inspector.estimate.measured', { count: estimate.measuredFrom })})
                  </span>
                </>
              ) : (
                <span className="muted">
                  {pending ? t('inspector.estimate.pending') : t('inspector.estimate.timeUnknown')}
                </span>
              )}
            </dd>
            <dt>{t('inspector.estimate.cost')}</dt>
            <dd>
              {estimate && estimate.costUsd !== null ? money(estimate.costUsd) : t('inspector.estimate.free')}
            </dd>
          </dl>
        </section>

        <OutputFolderField kind={kind} folder={folder} settings={props.settings} online={online} />

        <button
          type="submit"
          className="button primary start"
          disabled={!online || busy || active || photos.length === 0 || !checked.ok || noModel || noFaceModel}
        >
          {t('inspector.start', { action, count: photos.length })}
        </button>
        {active && latest && <RunningLine job={latest} onOpenJob={props.onOpenJob} />}
        <StatusLine message={message} />
      </form>

      <Results latest={latest} items={latestItems} onCompare={props.onCompare} onOpenJob={props.onOpenJob} />
      {folder.chooser}
    </aside>
  );
}

/**
 * The last run's results: failures (linked to the Queue, and listed with their reasons where a
 * panel asks), and each done photo with Compare and its download. A panel may add a line of
 * details per photo and a notice above the list.
 */
export function Results({
  latest,
  items,
  onCompare,
  onOpenJob,
  detail,
  listFailures = false,
  notice,
  emptyText,
}: {
  latest: JobSummary | null;
  items: readonly JobItem[];
  onCompare(item: JobItem): void;
  onOpenJob(id: string): void;
  /** A line beside each done photo (restyle: images, calls, cost). */
  detail?: (item: JobItem) => ReactNode;
  /** List each failed photo with its reason (not only the count). */
  listFailures?: boolean;
  /** Shown under the heading; it replaces the empty-list text. */
  notice?: ReactNode;
  emptyText?: string;
}) {
  const { t } = useI18n();
  const done = items.filter((i) => i.status === 'done');
  const failed = items.filter((i) => i.status === 'failed');
  // A photo's own name where its outputs are several (restyle), else the output's.
  const labelOf = (item: JobItem): string =>
    fileName(detail ? item.shownPath : (item.outputs[0] ?? item.shownPath));
  return (
    <section className="results" aria-label={t('results.title')}>
      <h2>{t('results.title')}</h2>
      {notice}
      {!latest || items.length === 0 ? (
        notice ? null : (
          <p className="muted small">{emptyText ?? t('results.empty')}</p>
        )
      ) : (
        <>
          {failed.length > 0 && (
            <p className="warn-text small">
              <button type="button" className="link" onClick={() => onOpenJob(latest.id)}>
                {t('results.failed', { count: failed.length })}
              </button>
            </p>
          )}
          {listFailures && failed.length > 0 && (
            <ul className="result-list result-failures" aria-label={t('results.failures')}>
              {failed.slice(0, 50).map((item) => (
                <li key={item.id} aria-label={fileName(item.shownPath)}>
                  <span className="result-name" title={item.shownPath}>
                    {fileName(item.shownPath)}
                  </span>
                  <span className="error-message small">
                    {item.errorMessage ?? t('results.failedNoReason')}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <ul className="result-list" aria-label={t('results.title')}>
            {done.slice(0, 50).map((item) => {
              const name = labelOf(item);
              return (
                <li key={item.id} aria-label={name}>
                  <span className="result-name" title={item.shownPath}>
                    {name}
                  </span>
                  {detail?.(item)}
                  <span className="result-actions">
                    <button type="button" className="link" onClick={() => onCompare(item)}>
                      {t('results.compare')}
                    </button>
                    <ResultLink itemId={item.id} name={fileName(item.outputs[0] ?? item.shownPath)} />
                  </span>
                </li>
              );
            })}
          </ul>
          {done.length > 0 && <JobZipLink jobId={latest.id} />}
        </>
      )}
    </section>
  );
}

/** The panel's job while it runs or is paused: its progress, and the way to the Queue. */
export function RunningLine({ job, onOpenJob }: { job: JobSummary; onOpenJob(id: string): void }) {
  const { t, percent } = useI18n();
  return (
    <p className="running" role="status">
      {t(job.status === 'paused' ? 'inspector.paused' : 'inspector.running', {
        progress: percent(job.progress),
      })}{' '}
      <progress max={1} value={job.progress} aria-label={t('inspector.progress')} />{' '}
      <button type="button" className="link" onClick={() => onOpenJob(job.id)}>
        {t('inspector.openQueue')}
      </button>
    </p>
  );
}

/** Which photos Start acts on: the checked ones, or all; and how many damaged ones are left out. */
export function InspectorScope({
  count,
  selectedCount,
  damagedLeftOut,
}: {
  count: number;
  selectedCount: number;
  damagedLeftOut: number;
}) {
  const { t } = useI18n();
  return (
    <p className="scope">
      {count === 0
        ? t('inspector.scope.none')
        : selectedCount > 0
          ? t('inspector.scope.selected', { count })
          : t('inspector.scope.all', { count })}
      {damagedLeftOut > 0 && (
        <span className="muted"> {t('inspector.scope.damagedLeft', { count: damagedLeftOut })}</span>
      )}
    </p>
  );
}

function EnhanceFields({
  draft,
  onDraft,
  models,
  faceModels,
  onOpenModels,
  error,
}: {
  draft: EnhanceDraft;
  onDraft(d: EnhanceDraft): void;
  models: ModelInfo[];
  faceModels: ModelInfo[];
  onOpenModels(): void;
  error(path: string): string | undefined;
}) {
  const { t } = useI18n();
  const set = <F extends keyof EnhanceDraft>(f: F, v: EnhanceDraft[F]) => onDraft({ ...draft, [f]: v });
  return (
    <>
      <Field label={t('enhance.model')} error={error('model')}>
        {(c) => (
          <select
            {...c}
            value={draft.model}
            disabled={draft.background === 'lanczos'}
            onChange={(e) => set('model', e.target.value)}
          >
            <option value="">{t('enhance.model.auto')}</option>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('enhance.scale')} error={error('outscale')}>
        {(c) => (
          <select
            {...c}
            value={String(draft.outscale ?? 2)}
            onChange={(e) => set('outscale', Number(e.target.value))}
          >
            {SCALES.map((s) => (
              <option key={s} value={s}>
                {t('enhance.scaleValue', { scale: String(s) })}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('face.background')} hint={t('face.background.hint')} error={error('background')}>
        {(c) => (
          <select
            {...c}
            value={draft.background}
            onChange={(e) => set('background', e.target.value as EnhanceDraft['background'])}
          >
            {BACKGROUND_MODES.map((m) => (
              <option key={m} value={m}>
                {t(`face.background.${m}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FaceFields draft={draft} set={set} faceModels={faceModels} onOpenModels={onOpenModels} error={error} />
      <FormatFields
        formats={ENHANCE_FORMATS}
        format={draft.format}
        quality={draft.quality}
        onFormat={(f) => set('format', f)}
        onQuality={(q) => set('quality', q)}
        error={error}
      />
      <details className="advanced">
        <summary>{t('enhance.advanced')}</summary>
        <Field label={t('enhance.tile')} hint={t('enhance.tile.hint')} error={error('tile')}>
          {(c) => (
            <select
              {...c}
              value={draft.tile === 'auto' ? 'auto' : String(draft.tile ?? 512)}
              onChange={(e) => set('tile', e.target.value === 'auto' ? 'auto' : Number(e.target.value))}
            >
              <option value="auto">{t('enhance.tile.auto')}</option>
              {[128, 256, 384, 512, 768, 1024, 1536, 2048].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('enhance.alpha')} error={error('alpha')}>
          {(c) => (
            <select
              {...c}
              value={draft.alpha}
              onChange={(e) => set('alpha', e.target.value as EnhanceDraft['alpha'])}
            >
              {ALPHA_MODES.map((m) => (
                <option key={m} value={m}>
                  {t(`enhance.alpha.${m}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </details>
    </>
  );
}

/** The Restore faces switch, and the face options while it is on. */
function FaceFields({
  draft,
  set,
  faceModels,
  onOpenModels,
  error,
}: {
  draft: EnhanceDraft;
  set<F extends keyof EnhanceDraft>(f: F, v: EnhanceDraft[F]): void;
  faceModels: ModelInfo[];
  onOpenModels(): void;
  error(path: string): string | undefined;
}) {
  const { t, percent } = useI18n();
  const id = useId();
  const faceError = error('face');
  return (
    <fieldset className="face-options">
      <legend className="visually-hidden">{t('face.section')}</legend>
      <div className={`field switch-field${faceError ? ' invalid' : ''}`}>
        <input
          type="checkbox"
          role="switch"
          id={`${id}-switch`}
          checked={draft.face}
          aria-checked={draft.face}
          aria-describedby={`${id}-switch-hint`}
          onChange={(e) => set('face', e.target.checked)}
        />
        <label htmlFor={`${id}-switch`}>{t('face.switch')}</label>
        <small id={`${id}-switch-hint`} className="hint">
          {t('face.switch.hint')}
        </small>
        {faceError && <small className="field-error">{faceError}</small>}
      </div>
      {draft.face && (
        <div className="face-fields">
          {faceModels.length === 0 ? (
            <p className="notice" role="note">
              {t('face.model.none')}{' '}
              <button type="button" className="link" onClick={onOpenModels}>
                {t('inspector.openModels')}
              </button>
            </p>
          ) : (
            <Field label={t('face.model')} error={error('faceModel')}>
              {(c) => (
                <select {...c} value={draft.faceModel} onChange={(e) => set('faceModel', e.target.value)}>
                  <option value="">{t('face.model.auto')}</option>
                  {faceModels.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <Field label={t('face.detector')} error={error('detector')}>
            {(c) => (
              <select
                {...c}
                value={draft.detector}
                onChange={(e) => set('detector', e.target.value as EnhanceDraft['detector'])}
              >
                {FACE_DETECTORS.map((d) => (
                  <option key={d} value={d}>
                    {t(`face.detector.${d}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('face.faces')} error={error('faces')}>
            {(c) => (
              <select
                {...c}
                value={draft.faces}
                onChange={(e) => set('faces', e.target.value as EnhanceDraft['faces'])}
              >
                {FACE_SELECTIONS.map((f) => (
                  <option key={f} value={f}>
                    {t(`face.faces.${f}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('face.strength')} hint={t('face.strength.hint')} error={error('strength')}>
            {(c) => (
              <div className="strength-row">
                <input
                  {...c}
                  type="range"
                  min={0}
                  max={1}
                  step={0.05}
                  value={draft.strength ?? 0.5}
                  aria-valuetext={percent(draft.strength ?? 0.5)}
                  onChange={(e) => set('strength', Number(e.target.value))}
                />
                <output htmlFor={c.id} className="strength-value">
                  {percent(draft.strength ?? 0.5)}
                </output>
              </div>
            )}
          </Field>
        </div>
      )}
    </fieldset>
  );
}

function ConvertFields({
  draft,
  onDraft,
  error,
}: {
  draft: ConvertDraft;
  onDraft(d: ConvertDraft): void;
  error(path: string): string | undefined;
}) {
  const { t } = useI18n();
  const set = <F extends keyof ConvertDraft>(f: F, v: ConvertDraft[F]) => onDraft({ ...draft, [f]: v });
  return (
    <>
      <FormatFields
        formats={CONVERT_FORMATS}
        format={draft.format}
        quality={draft.quality}
        onFormat={(f) => set('format', f)}
        onQuality={(q) => set('quality', q)}
        error={error}
      />
      <Field label={t('convert.resize')} error={error('')}>
        {(c) => (
          <select
            {...c}
            value={draft.resize}
            onChange={(e) => set('resize', e.target.value as ConvertDraft['resize'])}
          >
            <option value="none">{t('convert.resize.none')}</option>
            <option value="maxSize">{t('convert.resize.maxSize')}</option>
            <option value="scale">{t('convert.resize.scale')}</option>
          </select>
        )}
      </Field>
      {draft.resize === 'maxSize' && (
        <Field label={t('convert.maxSize')} error={error('maxSize')}>
          {(c) => <NumberInput {...c} min={16} value={draft.maxSize} onChange={(n) => set('maxSize', n)} />}
        </Field>
      )}
      {draft.resize === 'scale' && (
        <Field label={t('convert.scale')} error={error('scale')}>
          {(c) => (
            <NumberInput {...c} min={0.01} step="any" value={draft.scale} onChange={(n) => set('scale', n)} />
          )}
        </Field>
      )}
    </>
  );
}

/** Output format, and the quality where the format has one (PNG is lossless). */
function FormatFields<F extends keyof typeof FORMAT_KEYS>({
  formats,
  format,
  quality,
  onFormat,
  onQuality,
  error,
}: {
  formats: readonly F[];
  format: F;
  quality: number | null;
  onFormat(format: F): void;
  onQuality(quality: number | null): void;
  error(path: string): string | undefined;
}) {
  const { t } = useI18n();
  return (
    <>
      <Field label={t('options.format')} error={error('format')}>
        {(c) => (
          <select {...c} value={format} onChange={(e) => onFormat(e.target.value as F)}>
            {formats.map((f) => (
              <option key={f} value={f}>
                {t(FORMAT_KEYS[f])}
              </option>
            ))}
          </select>
        )}
      </Field>
      {format !== 'png' && (
        <Field label={t('options.quality')} error={error('quality')}>
          {(c) => <NumberInput {...c} min={1} max={100} value={quality} onChange={onQuality} />}
        </Field>
      )}
    </>
  );
}

const FORMAT_KEYS = {
  same: 'format.same',
  jpg: 'format.jpg',
  png: 'format.png',
  webp: 'format.webp',
  avif: 'format.avif',
  tiff: 'format.tiff',
} as const satisfies Record<(typeof CONVERT_FORMATS)[number] | (typeof ENHANCE_FORMATS)[number], MessageKey>;
