import type { TranslationOf } from '../message.js';
import type { keysEn } from './keys.en.js';

export const keysDe: TranslationOf<typeof keysEn> = {
  'keys.loadError': 'Schlüssel und Nutzung konnten nicht gelesen werden: {error}',

  // Usage gauges
  'keys.usage.title': 'Nutzung heute',
  'keys.usage.loading': 'Nutzung wird geladen…',
  'keys.usage.empty': 'Heute noch keine Nutzung.',
  'keys.usage.list': 'Nutzung nach Projekt und Modell',
  'keys.usage.card': '{model} in {project}',
  'keys.usage.rpm': 'Anfragen in dieser Minute',
  'keys.usage.rpd': 'Anfragen heute',
  'keys.usage.of': '{used} von {limit}',
  'keys.usage.full': 'Tageslimit erreicht.',
  'keys.usage.almost': 'Das Tageslimit ist fast erreicht.',
  'keys.usage.resets': 'Wird um {time} zurückgesetzt (Ihre Ortszeit).',
  'keys.usage.hold': 'Nach einer Ratenbegrenzung pausiert (noch {duration}).',
  'keys.usage.usable': {
    one: '{usable} von {count} Schlüssel nutzbar',
    other: '{usable} von {count} Schlüsseln nutzbar',
  },
  'keys.usage.today': {
    one: 'Heute: {count} erfolgreicher Gemini-Aufruf, {money} zu öffentlichen Preisen (Stand {asOf}).',
    other: 'Heute: {count} erfolgreiche Gemini-Aufrufe, {money} zu öffentlichen Preisen (Stand {asOf}).',
  },

  // The list of keys
  'keys.list.title': 'API-Schlüssel',
  'keys.list.label': 'API-Schlüssel',
  'keys.list.loading': 'Schlüssel werden geladen…',
  'keys.list.empty':
    'Noch keine API-Schlüssel. Fügen Sie unten einen hinzu; Gemini-Funktionen brauchen mindestens einen.',
  'keys.fact.project': 'Projekt',
  'keys.fact.tier': 'Stufe',
  'keys.fact.key': 'Schlüssel',
  'keys.fact.added': 'Hinzugefügt',
  'keys.tier.free': 'Kostenlos',
  'keys.tier.tier1': 'Stufe 1',
  'keys.tier.tier2': 'Stufe 2',
  'keys.tier.tier3': 'Stufe 3',
  'keys.state.active': 'Aktiv',
  'keys.state.disabled': 'Deaktiviert',
  'keys.state.reason': 'Grund: {reason}',
  'keys.state.circuit': 'Nach Fehlern pausiert',
  'keys.state.circuitUntil': {
    one: 'Bis {time} nicht verwendet, nach {count} Fehler in Folge.',
    other: 'Bis {time} nicht verwendet, nach {count} Fehlern in Folge.',
  },
  'keys.check.none': 'Noch nicht getestet',
  'keys.check.noneHint': 'Klicken Sie auf „Testen“, um den Schlüssel bei Google zu prüfen.',
  'keys.check.failed': 'Test fehlgeschlagen',
  'keys.check.failedMessage': 'Test fehlgeschlagen: {message}',
  'keys.check.ok': 'Geprüft: {when}',
  'keys.action.test': 'Testen',
  'keys.action.testNamed': '{label} testen',
  'keys.action.testing': 'Wird getestet…',
  'keys.action.enable': 'Aktivieren',
  'keys.action.enableNamed': '{label} aktivieren',
  'keys.action.disable': 'Deaktivieren',
  'keys.action.disableNamed': '{label} deaktivieren',
  'keys.action.remove': 'Entfernen',
  'keys.action.removeNamed': '{label} entfernen',
  'keys.test.passed': 'Test bestanden.',
  'keys.test.failed': 'Test fehlgeschlagen.',
  'keys.confirmRemove':
    'Den Schlüssel „{label}“ entfernen? Er wird von diesem Rechner gelöscht und kann nicht wiederhergestellt werden.',
  'keys.enabled': '{label} aktiviert.',
  'keys.disabled': '{label} deaktiviert.',
  'keys.removed': '{label} entfernt.',
  'keys.disableReason': 'von Ihnen ausgeschaltet',

  // Adding a key
  'keys.add.title': 'API-Schlüssel hinzufügen',
  'keys.add.label': 'Bezeichnung',
  'keys.add.labelPlaceholder': 'Schlüssel Arbeitslaptop',
  'keys.add.project': 'Projekt',
  'keys.add.projectPlaceholder': 'Google-Cloud-Projekt-ID',
  'keys.add.tier': 'Stufe',
  'keys.add.secret': 'API-Schlüssel',
  'keys.add.secretHint':
    'Wird verschlüsselt auf diesem Rechner gespeichert und nie wieder angezeigt, nur seine letzten 4 Zeichen.',
  'keys.add.submit': 'Schlüssel hinzufügen',
  'keys.add.note':
    'Kontingente gelten pro Google-Cloud-Projekt; Schlüssel desselben Projekts teilen sich also ein Budget.',
  'keys.add.done': 'Schlüssel hinzugefügt.',
  'keys.add.error.label': 'Geben Sie dem Schlüssel eine Bezeichnung.',
  'keys.add.error.project': 'Geben Sie das Google-Cloud-Projekt an, zu dem der Schlüssel gehört.',
  'keys.add.error.secret':
    'Das sieht nicht nach einem Gemini-API-Schlüssel aus; fügen Sie den ganzen Schlüssel ein.',
  'keys.add.error.tooLong': 'Höchstens {max} Zeichen.',

  // Model limits
  'keys.limits.title': 'Modell-Limits',
  'keys.limits.list': 'Modell-Limits',
  'keys.limits.rpm': 'Anfragen pro Minute',
  'keys.limits.rpd': 'Anfragen pro Tag',
  'keys.limits.saveNamed': 'Limits für {model} speichern',
  'keys.limits.saved': 'Limits für {model} gespeichert.',
  'keys.limits.error.positive': 'Geben Sie eine ganze Zahl größer als 0 ein.',
  'keys.limits.margin':
    'Pixelsmith nutzt {percent} jedes Limits als Sicherheitsabstand, damit Anfragen enden, bevor Google sie ablehnen würde.',
};
