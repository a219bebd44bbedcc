import { useState } from 'react';
import { AboutDialog } from './components/AboutDialog.js';
import { Library } from './components/Library.js';
import { Sidebar } from './components/Sidebar.js';
import { PANELS, type PanelId } from './panels.js';
import { EnhanceBar } from './components/EnhanceBar.js';
import { EnhanceResults } from './components/EnhanceResults.js';
import { KeysPanel } from './panels/KeysPanel.js';
import { ModelsPanel } from './panels/ModelsPanel.js';
import { QueuePanel } from './panels/QueuePanel.js';
import { SettingsPanel } from './panels/SettingsPanel.js';
import { useLibrary } from './useLibrary.js';
import { useSettings, useTheme } from './useSettings.js';

export function App() {
  const [panel, setPanel] = useState<PanelId>('enhance');
  const [aboutOpen, setAboutOpen] = useState(false);
  const [focusJobId, setFocusJobId] = useState<string | null>(null);
  const [enhanceJobId, setEnhanceJobId] = useState<string | null>(null);
  const settings = useSettings();
  const library = useLibrary();
  useTheme(settings?.theme);
  const current = PANELS.find((p) => p.id === panel) ?? PANELS[0];

  return (
    <div className="studio">
      <Sidebar current={panel} onSelect={setPanel} onAbout={() => setAboutOpen(true)} />
      <main className="main" aria-label={current.label}>
        <header className="panel-header">
          <h1>{current.label}</h1>
        </header>
        {current.coming !== null && (
          <p className="coming" role="note">
            Coming soon: {current.coming}
          </p>
        )}
        {panel === 'queue' ? (
          <QueuePanel focusJobId={focusJobId} />
        ) : panel === 'keys' ? (
          <KeysPanel />
        ) : panel === 'models' ? (
          <ModelsPanel />
        ) : panel === 'settings' ? (
          settings ? (
            <SettingsPanel settings={settings} />
          ) : (
            <p>Loading settings…</p>
          )
        ) : (
          <>
            <Library
              library={library}
              onJobStarted={(id) => {
                setFocusJobId(id);
                setPanel('queue');
              }}
              actions={
                panel === 'enhance' ? (
                  <EnhanceBar
                    roots={library.roots}
                    count={library.images.length}
                    onStarted={setEnhanceJobId}
                    onOpenModels={() => setPanel('models')}
                  />
                ) : null
              }
            />
            {panel === 'enhance' && enhanceJobId && (
              <EnhanceResults key={enhanceJobId} jobId={enhanceJobId} />
            )}
          </>
        )}
      </main>
      {aboutOpen && <AboutDialog onClose={() => setAboutOpen(false)} />}
    </div>
  );
}
