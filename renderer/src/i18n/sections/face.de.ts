import type { TranslationOf } from '../message.js';
import type { faceEn } from './face.en.js';

export const faceDe: TranslationOf<typeof faceEn> = {
  'face.section': 'Gesichter',
  'face.switch': 'Gesichter wiederherstellen',
  'face.switch.hint':
    'Sucht Gesichter, stellt jedes mit einem Gesichtsmodell wieder her und fügt es zurück ins Foto ein.',
  'face.model': 'Gesichtsmodell',
  'face.model.auto': 'Bestes installiertes',
  'face.model.none': 'Es ist noch kein Modell zur Gesichtswiederherstellung installiert.',
  'face.detector': 'Gesichtserkennung',
  'face.detector.retinaface': 'RetinaFace',
  'face.detector.yunet': 'YuNet',
  'face.faces': 'Welche Gesichter',
  'face.faces.all': 'Alle',
  'face.faces.center': 'Nur das Gesicht in der Mitte',
  'face.faces.largest': 'Nur das größte Gesicht',
  'face.strength': 'Stärke',
  'face.strength.hint': '0 % behält das hochskalierte Gesicht, 100 % verwendet das wiederhergestellte.',
  'face.background': 'Hintergrund',
  'face.background.model': 'Hochskalierungsmodell',
  'face.background.lanczos': 'Lanczos (ohne Hochskalierungsmodell)',
  'face.background.hint': 'Wie das Foto rund um die Gesichter vergrößert wird.',
  'face.show': 'Gesichter zeigen',
  'face.strip': 'Gefundene Gesichter',
  'face.entry': 'Gesicht {n}',
  'face.restored': { one: '{count} Gesicht wiederhergestellt', other: '{count} Gesichter wiederhergestellt' },
  'face.perFace': '{duration} pro Gesicht',
  'face.none': 'Keine Gesichter gefunden',
};
