import type { TranslationOf } from '../message.js';
import type { modelsEn } from './models.en.js';

export const modelsDe: TranslationOf<typeof modelsEn> = {
  'models.intro':
    'Verbessern führt diese Modelle auf diesem Rechner aus. Laden Sie ein angebotenes Modell herunter oder importieren Sie eine Modelldatei, die Sie haben (PyTorch .pth oder .safetensors, oder ONNX).',
  'models.list': 'Modelle',
  'models.loading': 'Modelle werden geladen…',
  'models.loadFailed': 'Die Modelle konnten nicht gelesen werden: {error}',
  'models.empty':
    'Pixelsmith kennt noch keine Modelle. Importieren Sie eine Modelldatei, um eines hinzuzufügen.',

  'models.task.upscale': 'Hochskalierer ×{scale}',
  'models.task.faceRestore': 'Gesichtsrestaurierung',
  'models.task.faceDetect': 'Gesichtserkennung',

  'models.state.installed': 'Installiert',
  'models.state.imported': 'Importiert',
  'models.state.available': 'Zum Herunterladen verfügbar',
  'models.state.importOnly': 'Nur Import',

  'models.runsOn': 'Läuft auf {provider}',
  'models.notLoaded': 'Noch nicht geladen',
  'models.provider.cpu': 'CPU',
  'models.provider.cuda': 'CUDA (NVIDIA-GPU)',
  'models.provider.dml': 'DirectML (GPU)',
  'models.provider.coreml': 'Core ML (Apple)',
  'models.sizeUnknown': 'Größe unbekannt',

  'models.folderNote': 'Aus dem Modellordner. Um es zu entfernen, löschen Sie die Datei dort.',
  'models.importOnlyNote':
    'Dafür gibt es keinen Download. Importieren Sie eine Datei dieses Modells (.pth oder .onnx), um es zu verwenden.',
  'models.bundledNote': 'Gehört zu Pixelsmith und funktioniert daher auch offline.',
  'models.converting': '{name} wird für diesen Computer vorbereitet…',
  'models.convertProgress': '{name} wird vorbereitet',

  'models.summary.realesr-general-x4v3':
    'Der beste Allround-Hochskalierer für Fotos: holt Details zurück und entfernt Rauschen und Kompressionsartefakte.',
  'models.summary.realesr-animevideov3':
    'Ein kleiner, schneller Hochskalierer, abgestimmt auf Zeichnungen, Anime und Videobilder. Er gehört zu Pixelsmith und funktioniert daher offline; für Fotos laden Sie eines der Fotomodelle herunter.',
  'models.summary.realesr-general-wdn-x4v3':
    'Der Allround-Hochskalierer für Fotos, abgestimmt auf starkes Rauschen; glatter als der normale.',
  'models.summary.RealESRGAN_x4plus_anime_6B':
    'Ein Hochskalierer in hoher Qualität für Anime und Illustrationen.',
  'models.summary.RealESRGAN_x4plus':
    'Ein Hochskalierer für Fotos in hoher Qualität; langsamer als das Allround-Modell.',
  'models.summary.RealESRGAN_x2plus': 'Verdoppelt die Größe von Fotos in Real-ESRGAN-Qualität.',
  'models.summary.GFPGANv1.4': 'Stellt unscharfe oder beschädigte Gesichter in Fotos wieder her.',
  'models.summary.retinaface-mobilenet0.25':
    'Findet die Gesichter in einem Foto, damit die Gesichtsrestaurierung weiß, wo sie arbeiten soll.',
  'models.summary.yunet-2023mar': 'Eine kleine, schnelle Gesichtserkennung für Fotos jeder Größe.',
  'models.summary.imported': 'Ein von Ihnen importiertes Modell.',

  'models.download': 'Herunterladen',
  'models.downloadNamed': '{name} herunterladen',
  'models.downloading': '{name} wird heruntergeladen…',
  'models.downloadProgress': 'Download von {name}',
  'models.downloadReceived': '{received} von {total}',
  'models.downloadReceivedUnknown': '{received} empfangen',
  'models.downloaded': '{name} wurde heruntergeladen und geprüft.',
  'models.remove': 'Entfernen',
  'models.removeNamed': '{name} entfernen',
  'models.removed': '{name} wurde entfernt.',

  'models.details': 'Technische Details',
  'models.details.id': 'Kennung',
  'models.details.file': 'Datei',
  'models.details.sha256': 'sha256',
  'models.details.sha256Published': 'veröffentlicht von {source}',
  'models.details.sha256Recorded': 'aufgezeichnet, nicht veröffentlicht',
  'models.details.licence': 'Lizenz',
  'models.details.notes': 'Hinweise',
  'models.details.source': 'Installiert durch',
  'models.source.download': 'Download',
  'models.source.import': 'Import',
  'models.source.folder': 'Modellordner (schreibgeschützt)',
  'models.source.bundled': 'Mit Pixelsmith geliefert',

  'models.import.title': 'Ein Modell importieren',
  'models.import.hint':
    'Ein PyTorch-Checkpoint (.pth, .safetensors) von Real-ESRGAN, ESRGAN oder GFPGAN oder eine ONNX-Datei (.onnx). Pixelsmith liest Aufgabe und Maßstab aus der Datei, wandelt einen Checkpoint einmal um und legt eine Kopie an. Nichts in der Datei wird als Code ausgeführt.',
  'models.import.button': 'Eine Modelldatei importieren',
  'models.import.notOnnx':
    '„{name}“ ist keine Modelldatei. Wählen Sie eine Datei mit der Endung .pth, .safetensors oder .onnx.',
  'models.import.noPath':
    'Pixelsmith konnte nicht ermitteln, wo „{name}“ auf diesem Computer liegt. Bitte wählen Sie die Datei erneut.',
  'models.import.uploading': '{name} wird an Pixelsmith gesendet…',
  'models.import.uploadProgress': '{name} wird gesendet',
  'models.import.uploadFailed': '{name} konnte nicht an Pixelsmith gesendet werden: {reason}',
  'models.import.unreachable': 'Der Server ist nicht erreichbar',
  'models.import.answered': 'Der Server antwortete mit {status}',
  'models.import.reading': '{name} wird gelesen…',
  'models.imported': '{name} wurde importiert.',
};
