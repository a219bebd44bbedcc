import { useI18n } from '../i18n/index.js';
import { PANELS, type PanelId } from '../panels.js';

interface Props {
  current: PanelId;
  onSelect(panel: PanelId): void;
  onAbout(): void;
}

export function Sidebar({ current, onSelect, onAbout }: Props) {
  const { t } = useI18n();
  return (
    <nav className="sidebar" aria-label={t('nav.label')}>
      <div className="brand">{t('app.name')}</div>
      <ul>
        {PANELS.map((p) => (
          <li key={p.id}>
            <button
              type="button"
              className="nav-item"
              aria-current={p.id === current ? 'page' : undefined}
              onClick={() => onSelect(p.id)}
            >
              {t(p.label)}
              {p.coming !== null && (
                <span className="soon" aria-hidden="true">
                  {t('nav.soon')}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="about-link" onClick={onAbout}>
        {t('nav.about')}
      </button>
    </nav>
  );
}
