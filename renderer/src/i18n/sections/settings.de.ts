import type { TranslationOf } from '../message.js';
import type { settingsEn } from './settings.en.js';

export const settingsDe: TranslationOf<typeof settingsEn> = {
  'settings.form': 'Einstellungen',
  'settings.group.appearance': 'Darstellung',
  'settings.group.output': 'Ausgabe',
  'settings.group.limits': 'Sicherheitsgrenzen',
  'settings.group.performance': 'Leistung',
  'settings.group.gemini': 'Gemini',

  'settings.theme.label': 'Farbschema',
  'settings.theme.hint': 'Das Studio zeigt Ihre Wahl sofort an; mit Speichern wird sie übernommen.',
  'settings.theme.system': 'Wie das System',
  'settings.theme.light': 'Hell',
  'settings.theme.dark': 'Dunkel',

  'settings.language.label': 'Sprache',
  'settings.language.hint':
    '„Wie das System“ verwendet die Sprache Ihres Browsers oder Computers (Englisch, wo Pixelsmith keine Übersetzung hat).',
  'settings.language.system': 'Wie das System',
  'settings.language.en': 'English',
  'settings.language.de': 'Deutsch',

  'settings.thumbnailSize.label': 'Vorschaugröße (Pixel)',
  'settings.thumbnailSize.hint': 'Die längste Seite der Vorschaubilder in der Galerie.',

  'settings.outputFolderName.label': 'Name des Ausgabeordners',
  'settings.outputFolderName.hint': 'Ergebnisse landen in einem Ordner dieses Namens neben den Fotos.',

  'settings.overwriteOutputs.label': 'Vorhandene Dateien ersetzen',
  'settings.overwriteOutputs.hint':
    'Wenn aus, erhält ein Ergebnis, das eine Datei ersetzen würde, stattdessen einen freien Namen wie „Foto (2).jpg“.',

  'settings.maxInputBytes.label': 'Maximale Dateigröße (MB)',
  'settings.maxInputBytes.hint': 'Größere Dateien werden abgelehnt, bevor sie gelesen werden.',

  'settings.maxInputPixels.label': 'Maximale Pixelzahl (Megapixel)',
  'settings.maxInputPixels.hint':
    'Größere Bilder werden vor dem Dekodieren abgelehnt, damit eine fehlerhafte Datei nicht den Speicher erschöpft.',

  'settings.maxOutputPixels.label': 'Maximale Pixelzahl der Ergebnisse (Megapixel)',
  'settings.maxOutputPixels.hint': 'Verbessern lehnt ein Foto ab, dessen Ergebnis größer würde.',

  'settings.itemTimeLimitMinutes.label': 'Zeitlimit pro Foto (Minuten)',
  'settings.itemTimeLimitMinutes.hint':
    'Ein Foto, das nach dieser Zeit noch läuft, wird angehalten; eines, das voraussichtlich länger braucht, wird gar nicht erst begonnen.',

  'settings.onnxThreads.label': 'ONNX-Runtime-Threads',
  'settings.onnxThreads.hint':
    '0 ist automatisch: alle Kerne bis auf einen (auf einem Zweikernrechner beide), damit das Studio reaktionsschnell bleibt, während Modelle laufen. Weniger Threads lassen mehr für andere Arbeit.',

  'settings.maxAttempts.label': 'Versuche pro Foto',
  'settings.maxAttempts.hint':
    'Nach einem Serverfehler oder Absturz wird ein Foto mit wachsender Pause erneut versucht, höchstens so oft.',

  'settings.dailyCostCapUsd.label': 'Tägliche Kostengrenze (US$)',
  'settings.dailyCostCapUsd.hint':
    'Gemini-Aufrufe enden, bevor die heutigen Kosten diesen Betrag überschreiten würden; der Tag beginnt um Mitternacht pazifischer Zeit, wenn Google die Kontingente zurücksetzt. Hinweise bei 50, 75 und 90 %. 0 erlaubt keine kostenpflichtigen Aufrufe.',

  'settings.quotaMarginPercent.label': 'Genutzter Anteil jedes Ratenlimits (%)',
  'settings.quotaMarginPercent.hint':
    'Pixelsmith zählt jede Anfrage pro Projekt und Modell; der Rest jedes veröffentlichten Limits bleibt für andere Programme, die dasselbe Projekt nutzen. 100, wenn nur Pixelsmith Ihre Schlüssel verwendet.',

  'settings.geminiTimeoutSeconds.label': 'Wartezeit auf Gemini (Sekunden)',
  'settings.geminiTimeoutSeconds.hint':
    'Ein Aufruf ohne Antwort bis dahin wird aufgegeben und wie ein Serverfehler erneut versucht.',

  'settings.range': 'Von {min} bis {max}.',
  'settings.error.required': 'Geben Sie eine Zahl ein.',
  'settings.error.range': 'Geben Sie eine Zahl von {min} bis {max} ein.',
  'settings.error.wholeRange': 'Geben Sie eine ganze Zahl von {min} bis {max} ein.',
  'settings.error.folderEmpty': 'Geben Sie einen Ordnernamen ein.',
  'settings.error.folderLong': {
    one: 'Verwenden Sie höchstens {count} Zeichen.',
    other: 'Verwenden Sie höchstens {count} Zeichen.',
  },
  'settings.error.folderChars': 'Verwenden Sie einen einfachen Ordnernamen ohne / \\ : * ? " < > |.',
  'settings.error.folderDots': '„.“ und „..“ können nicht als Ordnernamen verwendet werden.',
  'settings.error.choice': 'Wählen Sie eine der Möglichkeiten.',
  'settings.error.invalid': 'Dieser Wert wird nicht akzeptiert.',

  'settings.save': 'Einstellungen speichern',
  'settings.discard': 'Änderungen verwerfen',
  'settings.saved': 'Einstellungen gespeichert.',
  'settings.unchanged': 'Nichts zu speichern: Es wurde keine Einstellung geändert.',
  'settings.unsaved': 'Sie haben ungespeicherte Änderungen.',
  'settings.invalid': 'Es wurde nichts gespeichert. Prüfen Sie die markierten Felder.',
};
