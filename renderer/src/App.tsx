import { useEffect, useMemo, useState } from 'react';
import type { Settings } from '../../core/contract/schemas.js';
import { AboutDialog } from './components/AboutDialog.js';
import { ConnectionBanner } from './components/ConnectionBanner.js';
import { CostNotice } from './components/CostNotice.js';
import { Sidebar } from './components/Sidebar.js';
import { StatusBar } from './components/StatusBar.js';
import { I18nProvider, pickLocale, useI18n, type Locale } from './i18n/index.js';
import { PANELS, type PanelId } from './panels.js';
import { KeysPanel } from './panels/KeysPanel.js';
import { ModelsPanel } from './panels/ModelsPanel.js';
import { PhotoPanel } from './panels/PhotoPanel.js';
import { QueuePanel } from './panels/QueuePanel.js';
import { SettingsPanel } from './panels/SettingsPanel.js';
import { ConnectionContext, useConnection, useConnectionState } from './state/useConnection.js';
import { useJobs } from './state/useJobs.js';
import { useLibrary } from './state/useLibrary.js';
import { useSettings, useTheme } from './state/useSettings.js';
import { useStudioDrop } from './state/useStudioDrop.js';
import { DEFAULT_DRAFTS, type OptionDrafts } from './panels/photoOptions.js';

/** The locale the settings ask for, or the browser's own languages when they say `system`. */
function localeFor(language: Settings['language'] | undefined): Locale {
  if (language && language !== 'system') return language;
  return pickLocale(typeof navigator === 'undefined' ? [] : navigator.languages);
}

export function App() {
  const settings = useSettings();
  const locale = localeFor(settings?.language);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const connection = useConnectionState();
  return (
    <I18nProvider locale={locale}>
      <ConnectionContext.Provider value={connection}>
        <Studio settings={settings} />
      </ConnectionContext.Provider>
    </I18nProvider>
  );
}

function Studio({ settings }: { settings: Settings | null }) {
  const { t } = useI18n();
  const [panel, setPanel] = useState<PanelId>('enhance');
  const [aboutOpen, setAboutOpen] = useState(false);
  const [focusJobId, setFocusJobId] = useState<string | null>(null);
  const [previewTheme, setPreviewTheme] = useState<Settings['theme'] | null>(null);
  const [drafts, setDrafts] = useState<OptionDrafts>(DEFAULT_DRAFTS);
  const connection = useConnection();
  const library = useLibrary(connection.reconnects);
  const { jobs } = useJobs();
  useTheme(previewTheme ?? settings?.theme);

  const current = PANELS.find((p) => p.id === panel) ?? PANELS[0];
  const dragging = useStudioDrop(current.photos ? library.add : null);
  const title = t(current.label);
  const openJob = useMemo(
    () => (id: string) => {
      setFocusJobId(id);
      setPanel('queue');
    },
    [],
  );

  return (
    <div className={`studio${dragging ? ' dragging' : ''}`}>
      <Sidebar current={panel} onSelect={setPanel} onAbout={() => setAboutOpen(true)} />
      <div className="content">
        <ConnectionBanner />
        <CostNotice onOpenSettings={() => setPanel('settings')} />
        <main className="main" aria-label={title}>
          {current.photos ? (
            <PhotoPanel
              key={current.id}
              kind={current.id}
              title={title}
              library={library}
              jobs={jobs}
              settings={settings}
              draft={drafts[current.id]}
              onDraft={(next) => setDrafts((d) => ({ ...d, [current.id]: next }))}
              onOpenJob={openJob}
              onOpenModels={() => setPanel('models')}
              onOpenKeys={() => setPanel('keys')}
            />
          ) : (
            <>
              <header className="panel-header">
                <h1>{title}</h1>
              </header>
              <div className="panel-body">
                {current.coming !== null && (
                  <p className="coming card" role="note">
                    {t(current.coming)}
                  </p>
                )}
                {panel === 'queue' && <QueuePanel focusJobId={focusJobId} />}
                {panel === 'keys' && <KeysPanel />}
                {panel === 'models' && <ModelsPanel />}
                {panel === 'settings' &&
                  (settings ? (
                    <SettingsPanel settings={settings} onPreviewTheme={setPreviewTheme} />
                  ) : (
                    <p className="muted">{t('common.loading')}</p>
                  ))}
              </div>
            </>
          )}
        </main>
        <StatusBar jobs={jobs} onOpenJob={openJob} />
      </div>
      {aboutOpen && <AboutDialog onClose={() => setAboutOpen(false)} />}
    </div>
  );
}
