import './Restyle.css';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { CostToday } from '../../../core/contract/keys.js';
import type { LibraryPhoto } from '../../../core/contract/files.js';
import type { JobItem, JobSummary } from '../../../core/contract/jobs.js';
import {
  GEMINI_IMAGE_MODELS,
  MAX_VARIATIONS,
  type RestyleEstimate,
  type RestyleOptions,
  type Style,
} from '../../../core/contract/restyle.js';
import type { Settings } from '../../../core/contract/schemas.js';
import { api } from '../api/client.js';
import { Field, fieldError, NumberInput, problemOf, StatusLine, useAction } from '../components/forms.js';
import {
  InspectorScope,
  OutputFolderField,
  Results,
  RunningLine,
  useOutputFolder,
} from '../components/Inspector.js';
import { StyleEditor } from '../components/StyleEditor.js';
import { Thumbnail } from '../components/Thumbnail.js';
import { useI18n, type I18n } from '../i18n/index.js';
import { useConnection } from '../state/useConnection.js';
import { useCostToday } from '../state/useCostToday.js';
import { useEnabledKeys } from '../state/useEnabledKeys.js';
import { useStyles } from '../state/useStyles.js';
import { checkDraft, fitRestyleSize, restyleSizes, type RestyleDraft } from './photoOptions.js';

const SAMPLES = 3;

interface Props {
  /** The photos Start would queue: the healthy selected ones, or every healthy one. */
  photos: readonly LibraryPhoto[];
  selectedCount: number;
  damagedLeftOut: number;
  draft: RestyleDraft;
  onDraft(next: RestyleDraft): void;
  settings: Settings | null;
  latest: JobSummary | null;
  latestItems: readonly JobItem[];
  onCompare(item: JobItem): void;
  onOpenJob(id: string): void;
  onOpenKeys(): void;
}

type EstimateState = { estimate: RestyleEstimate | null; error: string | null; pending: boolean };

/**
 * `restyle.estimate` for the photos and options, debounced while the user changes them; a
 * newer request aborts the one on its way, and an answer is shown only for the request it answers.
 * `version` asks again when something outside the options changed (a run filled the cache).
 */
function useRestyleEstimate(
  options: RestyleOptions | null,
  photos: readonly LibraryPhoto[],
  online: boolean,
  version: string,
): EstimateState {
  const { t } = useI18n();
  const [answer, setAnswer] = useState<{
    key: string;
    estimate: RestyleEstimate | null;
    error: string | null;
  } | null>(null);
  const photosKey = useMemo(() => photos.map((p) => p.path).join('\n'), [photos]);
  const key = `${JSON.stringify(options)}|${photosKey}|${version}`;
  const wanted = options !== null && photos.length > 0 && online;
  useEffect(() => {
    if (!wanted) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.restyle
        .estimate(
          { options, files: photos.map((p) => ({ path: p.path, relDir: p.relDir })) },
          { signal: controller.signal },
        )
        .then(
          (estimate) => !controller.signal.aborted && setAnswer({ key, estimate, error: null }),
          (e: unknown) =>
            !controller.signal.aborted &&
            setAnswer({ key, estimate: null, error: problemOf(e, t('error.fields')).message }),
        );
    }, 250);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // `key` stands for the options, the photos and the version.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, wanted]);
  if (!wanted) return { estimate: null, error: null, pending: false };
  return answer?.key === key ? { ...answer, pending: false } : { estimate: null, error: null, pending: true };
}

/** The contract's field messages for the restyle options, in the user's language. */
function optionText(path: string, raw: string | null, t: I18n['t']): string {
  if (path === 'styles') return t('restyle.error.styles');
  if (path === 'variations')
    return raw === null
      ? t('restyle.error.variationsMissing')
      : t('restyle.error.variations', { max: MAX_VARIATIONS });
  if (path === 'imageSize') return t('restyle.error.size');
  if (path === 'model') return t('restyle.error.model');
  return raw ?? t('field.required');
}

/**
 * The Restyle inspector: styles to pick (with samples of earlier results), variations and the
 * model/size overrides, the estimate (calls, cache hits, cost, time at the current quota) and
 * today's spend against the cap, Start; then the last run's results.
 */
export function RestyleInspector(props: Props) {
  const { photos, draft, onDraft, latest, latestItems } = props;
  const { t } = useI18n();
  const { online, reconnects } = useConnection();
  const folder = useOutputFolder();
  const { message, busy, act } = useAction();
  const [editing, setEditing] = useState<{ id: string | null } | null>(null);
  const keyCount = useEnabledKeys(reconnects);
  // Finished photos add samples to their styles and fill the content cache.
  const runVersion = latest
    ? `${latest.id}:${latest.status}:${latest.counts.done}:${latest.counts.failed}`
    : '';
  const { styles, error: stylesError } = useStyles(reconnects, latest?.status === 'done' ? runVersion : '');
  const today = useCostToday(reconnects, runVersion);

  // A style removed elsewhere drops out of the choice.
  const known = useMemo(() => new Set(styles?.map((s) => s.id) ?? []), [styles]);
  const effective: RestyleDraft = useMemo(
    () => (styles ? { ...draft, styles: draft.styles.filter((id) => known.has(id)) } : draft),
    [draft, styles, known],
  );
  const chosenModels = useMemo(
    () => styles?.filter((s) => effective.styles.includes(s.id)).map((s) => s.model) ?? [],
    [styles, effective.styles],
  );
  const checked = checkDraft('restyle', effective);
  const options = checked.ok ? (checked.options as RestyleOptions) : null;
  const estimateVersion = `${latest?.id ?? ''}:${latest?.status ?? ''}:${keyCount ?? ''}:${today?.capUsd ?? ''}`;
  const estimate = useRestyleEstimate(options, photos, online, estimateVersion);
  const noKey = keyCount === 0;
  const active =
    latest !== null &&
    (latest.status === 'queued' || latest.status === 'running' || latest.status === 'paused');

  const setDraft = (next: RestyleDraft) => onDraft(fitRestyleSize(next, chosenModelsOf(styles, next.styles)));
  const fieldMessage = (path: string): string | undefined => {
    if (!checked.ok && path in checked.fields) {
      // "No style chosen" is what the picker's hint already says until the user tries to start.
      if (path === 'styles' && message === null) return undefined;
      return optionText(path, checked.fields[path] ?? null, t);
    }
    return fieldError(message, `options.${path}`);
  };

  const start = () =>
    act(async () => {
      if (!options) throw new Error(t('error.fields'));
      await api.jobs.create({
        kind: 'restyle',
        options,
        files: photos.map((p) => ({ path: p.path, relDir: p.relDir, pixels: p.width * p.height })),
        priority: 'interactive',
        ...(folder.target !== null && { outDir: folder.target }),
      });
    }, t('restyle.started'));

  const canStart =
    online && !busy && !active && photos.length > 0 && checked.ok && keyCount !== null && !noKey;
  return (
    <aside className="inspector restyle-inspector" aria-label={t('inspector.label')}>
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
          if (canStart) void start();
        }}
      >
        <StylePicker
          styles={styles}
          error={stylesError}
          chosen={effective.styles}
          fieldError={fieldMessage('styles')}
          onChange={(ids) => setDraft({ ...draft, styles: ids })}
          onEdit={(id) => setEditing({ id })}
        />
        <RestyleFields draft={draft} chosenModels={chosenModels} onDraft={setDraft} error={fieldMessage} />

        <EstimateSection estimate={estimate} photos={photos.length} />
        <SpendGauge today={today} />

        <OutputFolderField kind="restyle" folder={folder} settings={props.settings} online={online} />

        {noKey && (
          <p className="notice" role="note">
            {t('restyle.noKey')}{' '}
            <button type="button" className="link" onClick={props.onOpenKeys}>
              {t('restyle.openKeys')}
            </button>
          </p>
        )}
        <button type="submit" className="button primary start" disabled={!canStart}>
          {t('restyle.start', { count: photos.length })}
        </button>
        {estimate.estimate && !estimate.estimate.fitsCap && (
          <p className="notice restyle-cap" role="note">
            {t('restyle.overCap')}
          </p>
        )}
        {active && latest && <RunningLine job={latest} onOpenJob={props.onOpenJob} />}
        <StatusLine message={message} />
      </form>

      <RestyleResults
        latest={latest}
        items={latestItems}
        onCompare={props.onCompare}
        onOpenJob={props.onOpenJob}
      />
      {folder.chooser}
      {editing && styles && (
        <StyleEditor styles={styles} initial={editing.id} onClose={() => setEditing(null)} />
      )}
    </aside>
  );
}

const chosenModelsOf = (styles: readonly Style[] | null, ids: readonly string[]): string[] =>
  styles?.filter((s) => ids.includes(s.id)).map((s) => s.model) ?? [];

/** The style cards: each style's name, model, size and samples of its latest results; All styles. */
function StylePicker({
  styles,
  error,
  chosen,
  fieldError: problem,
  onChange,
  onEdit,
}: {
  styles: readonly Style[] | null;
  error: string | null;
  chosen: readonly string[];
  fieldError: string | undefined;
  onChange(ids: string[]): void;
  onEdit(id: string | null): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const all = useRef<HTMLInputElement>(null);
  const count = styles?.length ?? 0;
  const allChosen = count > 0 && chosen.length === count;
  useEffect(() => {
    if (all.current) all.current.indeterminate = chosen.length > 0 && !allChosen;
  }, [chosen.length, allChosen]);
  const toggle = (styleId: string, on: boolean) =>
    onChange((styles ?? []).map((s) => s.id).filter((s) => (s === styleId ? on : chosen.includes(s))));

  return (
    <fieldset
      className={`restyle-styles${problem ? ' invalid' : ''}`}
      aria-describedby={problem ? `${id}-error` : `${id}-hint`}
    >
      <legend>{t('restyle.styles')}</legend>
      <div className="restyle-styles-head">
        <label className="restyle-all">
          <input
            ref={all}
            type="checkbox"
            checked={allChosen}
            disabled={count === 0}
            onChange={(e) => onChange(e.target.checked ? (styles ?? []).map((s) => s.id) : [])}
          />
          {t('restyle.allStyles')}
        </label>
        <button type="button" className="link" onClick={() => onEdit(null)}>
          {t('restyle.editStyles')}
        </button>
      </div>
      {problem ? (
        <small id={`${id}-error`} className="field-error">
          {problem}
        </small>
      ) : (
        <small id={`${id}-hint`} className="hint">
          {chosen.length === 0
            ? t('restyle.styles.hint')
            : t('restyle.styles.chosen', { count: chosen.length })}
        </small>
      )}
      {error && (
        <p className="error-message" role="alert">
          {error}
        </p>
      )}
      {!styles && !error && <p className="muted small">{t('common.loading')}</p>}
      {styles && (
        <ul className="style-cards" aria-label={t('restyle.styles')}>
          {styles.map((s) => (
            <StyleCard
              key={s.id}
              style={s}
              checked={chosen.includes(s.id)}
              onToggle={(on) => toggle(s.id, on)}
              onEdit={() => onEdit(s.id)}
            />
          ))}
        </ul>
      )}
    </fieldset>
  );
}

function StyleCard({
  style,
  checked,
  onToggle,
  onEdit,
}: {
  style: Style;
  checked: boolean;
  onToggle(on: boolean): void;
  onEdit(): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const model = GEMINI_IMAGE_MODELS.find((m) => m.id === style.model)?.name ?? style.model;
  return (
    <li className={`style-card${checked ? ' chosen' : ''}`} aria-label={style.name}>
      <div className="style-card-head">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          aria-describedby={`${id}-meta`}
          onChange={(e) => onToggle(e.target.checked)}
        />
        <label htmlFor={id} className="style-card-name">
          {style.name}
        </label>
        {style.builtin && <span className="badge badge-muted">{t('restyle.style.builtin')}</span>}
      </div>
      <div className="style-card-line">
        <p id={`${id}-meta`} className="style-card-meta muted small">
          {t('restyle.style.meta', { model, size: style.imageSize })}
        </p>
        <button
          type="button"
          className="link small"
          aria-label={t(style.builtin ? 'restyle.style.viewNamed' : 'restyle.style.editNamed', {
            name: style.name,
          })}
          onClick={onEdit}
        >
          {t(style.builtin ? 'restyle.style.view' : 'restyle.style.edit')}
        </button>
      </div>
      {style.samples.length > 0 && (
        <div className="style-samples">
          {style.samples.slice(0, SAMPLES).map((ref, i) => (
            <div className="style-sample" key={ref}>
              <Thumbnail
                refId={ref}
                size={96}
                alt={t('restyle.style.sample', { name: style.name, n: i + 1 })}
              />
            </div>
          ))}
        </div>
      )}
    </li>
  );
}

/** Variations, and the model and size overrides (only sizes the model makes). */
function RestyleFields({
  draft,
  chosenModels,
  onDraft,
  error,
}: {
  draft: RestyleDraft;
  chosenModels: readonly string[];
  onDraft(d: RestyleDraft): void;
  error(path: string): string | undefined;
}) {
  const { t } = useI18n();
  const sizes = restyleSizes(draft.model, chosenModels);
  return (
    <>
      <Field label={t('restyle.variations')} hint={t('restyle.variations.hint')} error={error('variations')}>
        {(c) => (
          <NumberInput
            {...c}
            min={1}
            max={MAX_VARIATIONS}
            value={draft.variations}
            onChange={(n) => onDraft({ ...draft, variations: n })}
          />
        )}
      </Field>
      <Field label={t('restyle.model')} error={error('model')}>
        {(c) => (
          <select {...c} value={draft.model} onChange={(e) => onDraft({ ...draft, model: e.target.value })}>
            <option value="">{t('restyle.model.own')}</option>
            {GEMINI_IMAGE_MODELS.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('restyle.size')} error={error('imageSize')}>
        {(c) => (
          <select
            {...c}
            value={draft.imageSize}
            onChange={(e) => onDraft({ ...draft, imageSize: e.target.value as RestyleDraft['imageSize'] })}
          >
            <option value="">{t('restyle.size.own')}</option>
            {sizes.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        )}
      </Field>
    </>
  );
}

function EstimateSection({ estimate: state, photos }: { estimate: EstimateState; photos: number }) {
  const { t, money, duration } = useI18n();
  const e = state.estimate;
  const pending = <span className="muted">{t('inspector.estimate.pending')}</span>;
  const none = <span className="muted">{t('common.none')}</span>;
  const show = (value: string) => (e ? value : state.pending ? pending : none);
  return (
    <section className="estimate" aria-label={t('inspector.estimate')} aria-busy={state.pending}>
      <h2>{t('inspector.estimate')}</h2>
      <dl>
        <dt>{t('inspector.estimate.photos')}</dt>
        <dd>{e ? e.photos : photos}</dd>
        <dt>{t('restyle.estimate.outputs')}</dt>
        <dd>{show(e ? String(e.outputs) : '')}</dd>
        <dt>{t('restyle.estimate.cached')}</dt>
        <dd>{show(e ? t('restyle.estimate.cachedValue', { count: e.cached }) : '')}</dd>
        <dt>{t('restyle.estimate.calls')}</dt>
        <dd>{show(e ? String(e.calls) : '')}</dd>
        <dt>{t('inspector.estimate.cost')}</dt>
        <dd>{show(e ? money(e.costUsd) : '')}</dd>
        <dt>{t('restyle.estimate.time')}</dt>
        <dd>
          {show(
            e
              ? e.seconds === null
                ? t('restyle.estimate.timeNoKey')
                : e.calls === 0
                  ? t('restyle.estimate.timeNone')
                  : t('inspector.estimate.timeValue', { duration: duration(e.seconds * 1000) })
              : '',
          )}
        </dd>
      </dl>
      {state.error && (
        <p className="error-message small" role="alert">
          {state.error}
        </p>
      )}
      {e && e.notes.length > 0 && (
        <ul className="restyle-notes small" aria-label={t('restyle.estimate.notes')}>
          {e.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {e && <p className="muted small">{t('restyle.estimate.prices', { date: e.pricesAsOf })}</p>}
    </section>
  );
}

/** Today's Gemini spend (and what calls in flight hold) against the daily cap, as a gauge with text. */
function SpendGauge({ today }: { today: CostToday | null }) {
  const { t, money, percent } = useI18n();
  const id = useId();
  if (!today) return null;
  const used = today.spentUsd + today.reservedUsd;
  const max = Math.max(today.capUsd, used, 1e-6);
  return (
    <section className="restyle-spend" aria-labelledby={`${id}-label`}>
      <div className="restyle-spend-text">
        <span id={`${id}-label`} className="field-label">
          {t('restyle.spend')}
        </span>
        <span id={`${id}-value`} className="restyle-spend-value">
          {t('restyle.spend.value', { spent: money(today.spentUsd), cap: money(today.capUsd) })}
        </span>
      </div>
      <meter
        aria-labelledby={`${id}-label`}
        aria-describedby={`${id}-value`}
        aria-valuetext={percent(today.capUsd > 0 ? used / today.capUsd : 1)}
        min={0}
        max={max}
        value={Math.min(used, max)}
        low={max * 0.75 - 1e-9}
        high={max * 0.9 - 1e-9}
        optimum={0}
      />
      {today.reservedUsd > 0 && (
        <p className="muted small">{t('restyle.spend.reserved', { money: money(today.reservedUsd) })}</p>
      )}
    </section>
  );
}

function RestyleResults({
  latest,
  items,
  onCompare,
  onOpenJob,
}: {
  latest: JobSummary | null;
  items: readonly JobItem[];
  onCompare(item: JobItem): void;
  onOpenJob(id: string): void;
}) {
  const { t, money } = useI18n();
  return (
    <Results
      latest={latest}
      items={items}
      onCompare={onCompare}
      onOpenJob={onOpenJob}
      listFailures
      emptyText={t('restyle.results.empty')}
      notice={
        latest && latest.counts.skipped > 0 ? (
          <p className="notice small" role="note">
            {t('restyle.results.skipped', { count: latest.counts.skipped })}
          </p>
        ) : undefined
      }
      detail={(item) => {
        const d = item.details ?? {};
        return (
          <span className="restyle-result-details muted">
            {t('restyle.results.details', {
              count: item.outputs.filter((o) => !/\.json$/i.test(o)).length,
              calls: Number(d.calls ?? 0),
              cached: Number(d.cached ?? 0),
              cost: money(Number(d.costUsd ?? 0)),
            })}
          </span>
        );
      }}
    />
  );
}
