/** The settings panel's messages. */
export const settingsEn = {
  'settings.form': 'Settings',
  'settings.group.appearance': 'Appearance',
  'settings.group.output': 'Output',
  'settings.group.limits': 'Safety limits',
  'settings.group.performance': 'Performance',
  'settings.group.gemini': 'Gemini',

  'settings.theme.label': 'Theme',
  'settings.theme.hint': 'The studio shows your choice straight away; Save keeps it.',
  'settings.theme.system': 'Follow the system',
  'settings.theme.light': 'Light',
  'settings.theme.dark': 'Dark',

  'settings.language.label': 'Language',
  'settings.language.hint':
    'Following the system uses the language of your browser or computer (English where Pixelsmith has no translation).',
  'settings.language.system': 'Follow the system',
  'settings.language.en': 'English',
  'settings.language.de': 'Deutsch',

  'settings.thumbnailSize.label': 'Thumbnail size (pixels)',
  'settings.thumbnailSize.hint': 'The longest side of the previews in the gallery.',

  'settings.outputFolderName.label': 'Output folder name',
  'settings.outputFolderName.hint': 'Results go into a folder of this name next to the photos.',

  'settings.overwriteOutputs.label': 'Replace files that are already there',
  'settings.overwriteOutputs.hint':
    'When off, a result that would replace a file gets a free name instead, such as “photo (2).jpg”.',

  'settings.maxInputBytes.label': 'Maximum file size (MB)',
  'settings.maxInputBytes.hint': 'Larger files are refused before they are read.',

  'settings.maxInputPixels.label': 'Maximum pixels (megapixels)',
  'settings.maxInputPixels.hint':
    'Larger images are refused before decoding, so a malformed file cannot exhaust memory.',

  'settings.maxOutputPixels.label': 'Maximum output pixels (megapixels)',
  'settings.maxOutputPixels.hint': 'Enhance refuses a photo whose result would be larger than this.',

  'settings.itemTimeLimitMinutes.label': 'Time limit per photo (minutes)',
  'settings.itemTimeLimitMinutes.hint':
    'A photo still running after this long is stopped; one expected to take longer is refused up front.',

  'settings.onnxThreads.label': 'ONNX Runtime threads',
  'settings.onnxThreads.hint':
    '0 is automatic: every core but one (both on a two-core machine), so the studio stays responsive while models run. Fewer threads leave more for other work.',

  'settings.maxAttempts.label': 'Attempts per photo',
  'settings.maxAttempts.hint':
    'A photo is tried again after a server error or a crash, with a growing pause, up to this many times.',

  'settings.dailyCostCapUsd.label': 'Daily cost cap (US$)',
  'settings.dailyCostCapUsd.hint':
    'Gemini calls stop before today’s spend would pass this; the day starts at midnight Pacific, when Google’s quotas reset. Alerts at 50, 75 and 90 %. 0 allows no paid calls.',

  'settings.quotaMarginPercent.label': 'Share of each rate limit used (%)',
  'settings.quotaMarginPercent.hint':
    'Pixelsmith counts every request per project and model; the rest of each published limit is left for other programs that use the same project. 100 if only Pixelsmith uses your keys.',

  'settings.geminiTimeoutSeconds.label': 'Gemini answer timeout (seconds)',
  'settings.geminiTimeoutSeconds.hint':
    'A call without an answer by then is given up and tried again, like a server error.',

  'settings.range': 'From {min} to {max}.',
  'settings.error.required': 'Enter a number.',
  'settings.error.range': 'Enter a number from {min} to {max}.',
  'settings.error.wholeRange': 'Enter a whole number from {min} to {max}.',
  'settings.error.folderEmpty': 'Enter a folder name.',
  'settings.error.folderLong': {
    one: 'Use at most {count} character.',
    other: 'Use at most {count} characters.',
  },
  'settings.error.folderChars': 'Use a plain folder name, without / \\ : * ? " < > |.',
  'settings.error.folderDots': '“.” and “..” cannot be used as folder names.',
  'settings.error.choice': 'Choose one of the options.',
  'settings.error.invalid': 'This value is not accepted.',

  'settings.save': 'Save settings',
  'settings.discard': 'Discard changes',
  'settings.saved': 'Settings saved.',
  'settings.unchanged': 'Nothing to save: no setting was changed.',
  'settings.unsaved': 'You have unsaved changes.',
  'settings.invalid': 'Nothing was saved. Check the highlighted fields.',
} as const;
