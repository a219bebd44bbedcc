import { PANELS, type PanelId } from '../panels.js';

interface Props {
  current: PanelId;
  onSelect(panel: PanelId): void;
  onAbout(): void;
}

export function Sidebar({ current, onSelect, onAbout }: Props) {
  return (
    <nav className="sidebar" aria-label="Panels">
      <div className="brand">Pixelsmith</div>
      <ul>
        {PANELS.map((p) => (
          <li key={p.id}>
            <button
              type="button"
              className="nav-item"
              aria-current={p.id === current ? 'page' : undefined}
              onClick={() => onSelect(p.id)}
            >
              {p.label}
              {p.coming !== null && (
                <span className="soon" aria-hidden="true">
                  soon
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="about-link" onClick={onAbout}>
        About Pixelsmith
      </button>
    </nav>
  );
}
