import { useMemo, useState } from 'react';
import type { LibraryPhoto } from '../../../core/contract/files.js';
import type { JobItem, JobSummary } from '../../../core/contract/jobs.js';
import type { Settings } from '../../../core/contract/schemas.js';
import { api } from '../api/client.js';
import { filesFromInput } from '../api/fileSource.js';
import { CompareView, type CompareChoices, type CompareImage } from '../components/CompareView.js';
import { Gallery } from '../components/Gallery.js';
import { Inspector } from '../components/Inspector.js';
import { useI18n } from '../i18n/index.js';
import type { PhotoPanelId } from '../panels.js';
import { useConnection } from '../state/useConnection.js';
import type { AddSummary, Library } from '../state/useLibrary.js';
import { useModels } from '../state/useModels.js';
import { useResults } from '../state/useResults.js';
import { useSelection } from '../state/useSelection.js';
import { restyleOutputs, type OptionDrafts, type RestyleDraft } from './photoOptions.js';
import { RestyleInspector } from './RestyleInspector.js';

interface Props<K extends PhotoPanelId> {
  kind: K;
  title: string;
  library: Library;
  jobs: readonly JobSummary[];
  settings: Settings | null;
  draft: OptionDrafts[K];
  onDraft(next: OptionDrafts[K]): void;
  onOpenJob(id: string): void;
  onOpenModels(): void;
  onOpenKeys(): void;
}

interface Comparing {
  name: string;
  before: CompareImage;
  after: CompareImage;
  /** The compared item's details: the faces it found, for the compare view's face boxes. */
  details: JobItem['details'];
  item: JobItem;
  /** Which of the item's outputs is compared (several for restyle: style × variation). */
  index: number;
  choices: { index: number; label: string }[];
}

/**
 * A photo panel (Enhance, Convert, Restyle): the library in the middle (or the
 * compare view), the panel's inspector on the right. One task, one primary action.
 */
export function PhotoPanel<K extends PhotoPanelId>(props: Props<K>) {
  const { kind, library, jobs } = props;
  const { t, money } = useI18n();
  const { online } = useConnection();
  const photos = useMemo(() => library.photos ?? [], [library.photos]);
  const keys = useMemo(() => photos.map((p) => p.path), [photos]);
  const selection = useSelection(keys);
  const results = useResults(kind, jobs);
  const { models } = useModels();
  const [comparing, setComparing] = useState<Comparing | null>(null);
  const [compareError, setCompareError] = useState<string | null>(null);

  const chosen = useMemo(
    () => (selection.selected.size > 0 ? photos.filter((p) => selection.selected.has(p.path)) : photos),
    [photos, selection.selected],
  );
  const healthy = useMemo(() => chosen.filter((p) => p.problem === null), [chosen]);
  const byPath = useMemo(() => new Map(photos.map((p) => [p.path, p])), [photos]);

  /** The outputs of an item to choose from: each style × variation of a restyle, else none. */
  const choicesOf = (item: JobItem): Comparing['choices'] => {
    if (kind !== 'restyle') return [];
    const options = jobs.find((j) => j.id === item.jobId)?.options ?? {};
    return restyleOutputs(options, item.outputs).map((o) => ({
      index: o.index,
      label:
        o.variation > 1
          ? t('restyle.compare.variation', { style: o.styleName, n: o.variation })
          : o.styleName,
    }));
  };

  const compare = async (photo: LibraryPhoto | undefined, item: JobItem | undefined, index = 0) => {
    setCompareError(null);
    if (!item) return;
    try {
      const out = await api.files.outputRef({ itemId: item.id, index });
      const before = photo ?? byPath.get(item.inputPath);
      if (!before) throw new Error(t('compare.notReady'));
      setComparing({
        name: before.name,
        before: { ref: before.thumbRef, width: before.width, height: before.height },
        after: { ref: out.ref, width: out.width, height: out.height },
        details: item.details,
        item,
        index,
        choices: choicesOf(item),
      });
    } catch (e) {
      setCompareError(e instanceof Error ? e.message : String(e));
    }
  };

  const compareChoices: CompareChoices | undefined =
    comparing && comparing.choices.length > 0
      ? {
          options: comparing.choices,
          value: comparing.index,
          onChange: (index) => void compare(byPath.get(comparing.item.inputPath), comparing.item, index),
        }
      : undefined;
  const d = comparing?.item.details;
  const compareSummary =
    kind === 'restyle' && d
      ? t('restyle.compare.summary', {
          calls: Number(d.calls ?? 0),
          cached: Number(d.cached ?? 0),
          cost: money(Number(d.costUsd ?? 0)),
        })
      : undefined;

  return (
    <div className="photo-panel">
      <section className="photo-center" aria-label={props.title}>
        <header className="panel-header">
          <h1>{props.title}</h1>
          <LibraryToolbar
            library={library}
            selected={selection.selected}
            onSelectAll={selection.selectAll}
            onSelectNone={selection.clear}
            online={online}
            count={photos.length}
          />
        </header>
        <AddLine library={library} />
        {compareError && (
          <p role="alert" className="error-message">
            {compareError}
          </p>
        )}
        {comparing ? (
          <CompareView
            name={comparing.name}
            before={comparing.before}
            after={comparing.after}
            details={comparing.details}
            choices={compareChoices}
            summary={compareSummary}
            onClose={() => setComparing(null)}
          />
        ) : photos.length === 0 && library.photos !== null ? (
          <EmptyLibrary library={library} online={online} />
        ) : (
          <Gallery
            photos={photos}
            selection={selection}
            results={results.byInput}
            onCompare={(photo) => void compare(photo, results.byInput.get(photo.path))}
            onRemove={(paths) => void library.remove(paths)}
          />
        )}
      </section>
      {kind === 'restyle' ? (
        <RestyleInspector
          photos={healthy}
          selectedCount={selection.selected.size}
          damagedLeftOut={chosen.length - healthy.length}
          draft={props.draft as RestyleDraft}
          onDraft={(next) => props.onDraft(next as OptionDrafts[K])}
          settings={props.settings}
          latest={results.latest}
          latestItems={results.latestItems}
          onCompare={(item) => void compare(undefined, item)}
          onOpenJob={props.onOpenJob}
          onOpenKeys={props.onOpenKeys}
        />
      ) : (
        <Inspector
          kind={kind}
          photos={healthy}
          selectedCount={selection.selected.size}
          damagedLeftOut={chosen.length - healthy.length}
          draft={props.draft}
          onDraft={props.onDraft}
          models={models}
          settings={props.settings}
          latest={results.latest}
          latestItems={results.latestItems}
          onCompare={(item) => void compare(undefined, item)}
          onOpenJob={props.onOpenJob}
          onOpenModels={props.onOpenModels}
        />
      )}
    </div>
  );
}

/** Add photos, add a folder, and what to do with the checked ones. */
function LibraryToolbar({
  library,
  selected,
  onSelectAll,
  onSelectNone,
  online,
  count,
}: {
  library: Library;
  selected: ReadonlySet<string>;
  onSelectAll(): void;
  onSelectNone(): void;
  online: boolean;
  count: number;
}) {
  const { t } = useI18n();
  return (
    <div className="toolbar" role="toolbar" aria-label={t('library.label')}>
      <AddButtons library={library} online={online} />
      <span className="toolbar-gap" />
      {count > 0 && (
        <span className="muted small" aria-live="polite">
          {t('library.count', { count })}
          {selected.size > 0 && ` · ${t('library.selected', { count: selected.size })}`}
        </span>
      )}
      {count > 0 &&
        (selected.size > 0 ? (
          <>
            <button type="button" className="button" onClick={onSelectNone}>
              {t('library.selectNone')}
            </button>
            <button
              type="button"
              className="button"
              disabled={!online}
              onClick={() => void library.remove([...selected])}
            >
              {t('library.remove', { count: selected.size })}
            </button>
          </>
        ) : (
          <>
            <button type="button" className="button" onClick={onSelectAll}>
              {t('library.selectAll')}
            </button>
            <button type="button" className="button" disabled={!online} onClick={() => void library.clear()}>
              {t('library.clear')}
            </button>
          </>
        ))}
    </div>
  );
}

function AddButtons({ library, online }: { library: Library; online: boolean }) {
  const { t } = useI18n();
  const busy = library.status.kind === 'uploading' || library.status.kind === 'scanning';
  return (
    <>
      <label className={`button primary file-button${!online || busy ? ' disabled' : ''}`}>
        {t('library.addPhotos')}
        <input
          type="file"
          multiple
          accept="image/*,.heic,.heif,.tif,.tiff,.avif"
          className="visually-hidden"
          disabled={!online || busy}
          onChange={(e) => {
            void library.add(filesFromInput(e.target.files));
            e.target.value = '';
          }}
        />
      </label>
      <label className={`button file-button${!online || busy ? ' disabled' : ''}`}>
        {t('library.addFolder')}
        <input
          type="file"
          className="visually-hidden"
          disabled={!online || busy}
          ref={(el) => el?.setAttribute('webkitdirectory', '')}
          onChange={(e) => {
            void library.add(filesFromInput(e.target.files));
            e.target.value = '';
          }}
        />
      </label>
    </>
  );
}

function EmptyLibrary({ library, online }: { library: Library; online: boolean }) {
  const { t } = useI18n();
  return (
    <div className="empty-library drop-zone">
      <h2>{t('library.empty.title')}</h2>
      <p>{t('library.empty.body')}</p>
      <div className="row">
        <AddButtons library={library} online={online} />
      </div>
    </div>
  );
}

/** What the last add did, in one line near the drop zone, and the files that were not added. */
function AddLine({ library }: { library: Library }) {
  const { t } = useI18n();
  const status = library.status;
  if (status.kind === 'uploading')
    return (
      <p className="add-line" role="status">
        {t('library.uploading', { done: status.done, total: status.total })}
      </p>
    );
  if (status.kind === 'scanning')
    return (
      <p className="add-line" role="status">
        {t('library.scanning')}
      </p>
    );
  if (status.kind === 'failed')
    return (
      <p className="add-line error-message" role="alert">
        {status.message}
      </p>
    );
  const last: AddSummary | null = library.last;
  if (!last) return null;
  const parts = [
    t('library.summary.added', { count: last.added }),
    last.already > 0 ? t('library.summary.already', { count: last.already }) : null,
    last.damaged > 0 ? t('library.summary.damaged', { count: last.damaged }) : null,
    last.notImages > 0 ? t('library.summary.notImages', { count: last.notImages }) : null,
    last.hidden > 0 ? t('library.summary.hidden', { count: last.hidden }) : null,
    last.notSent.length > 0 ? t('library.summary.notSent', { count: last.notSent.length }) : null,
    last.truncated ? t('library.summary.truncated') : null,
  ].filter((p): p is string => p !== null);
  const refused = [
    ...last.refused.map((r) => ({ name: r.shownPath, message: r.message })),
    ...last.notSent.map((r) => ({ name: r.relativePath, message: r.message })),
  ];
  return (
    <div className="add-line">
      <p role="status">{parts.join(' · ')}</p>
      {refused.length > 0 && (
        <details className="refused">
          <summary>{t('library.refused.title')}</summary>
          <section aria-label={t('library.refused.title')}>
            <ul>
              {refused.slice(0, 200).map((r) => (
                <li key={r.name}>
                  <strong>{r.name}</strong>: {r.message}
                </li>
              ))}
            </ul>
            {refused.length > 200 && (
              <p className="muted">{t('library.refused.more', { count: refused.length - 200 })}</p>
            )}
          </section>
        </details>
      )}
    </div>
  );
}
