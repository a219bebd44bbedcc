/** The models panel's messages. */
export const modelsEn = {
  'models.intro':
    'Enhance runs these models on this machine. Download one that is offered, or import a model file you have (PyTorch .pth or .safetensors, or ONNX).',
  'models.list': 'Models',
  'models.loading': 'Loading models…',
  'models.loadFailed': 'Could not read the models: {error}',
  'models.empty': 'Pixelsmith knows no models yet. Import a model file to add one.',

  'models.task.upscale': 'Upscaler ×{scale}',
  'models.task.faceRestore': 'Face restoration',
  'models.task.faceDetect': 'Face detector',

  'models.state.installed': 'Installed',
  'models.state.imported': 'Imported',
  'models.state.available': 'Available to download',
  'models.state.importOnly': 'Import only',

  'models.runsOn': 'Runs on {provider}',
  'models.notLoaded': 'Not loaded yet',
  'models.provider.cpu': 'CPU',
  'models.provider.cuda': 'CUDA (NVIDIA GPU)',
  'models.provider.dml': 'DirectML (GPU)',
  'models.provider.coreml': 'Core ML (Apple)',
  'models.sizeUnknown': 'Size unknown',

  'models.folderNote': 'From the models folder. To remove it, delete the file there.',
  'models.importOnlyNote':
    'No download exists for it. Import a file of this model (.pth or .onnx) to use it.',
  'models.bundledNote': 'Comes with Pixelsmith, so it works offline.',
  'models.converting': 'Preparing {name} for this computer…',
  'models.convertProgress': 'Preparing {name}',

  'models.summary.realesr-general-x4v3':
    'The best general-purpose photo upscaler: brings back detail and cleans up noise and compression artefacts.',
  'models.summary.realesr-animevideov3':
    'A small, fast upscaler tuned for drawings, anime and video frames. It comes with Pixelsmith, so it works offline; for photos, download one of the photo models.',
  'models.summary.realesr-general-wdn-x4v3':
    'The general photo upscaler tuned to remove heavy noise; smoother than the standard one.',
  'models.summary.RealESRGAN_x4plus_anime_6B': 'A high-quality upscaler for anime and illustrations.',
  'models.summary.RealESRGAN_x4plus': 'A high-quality photo upscaler; slower than the general model.',
  'models.summary.RealESRGAN_x2plus': 'Doubles the size of photos in Real-ESRGAN quality.',
  'models.summary.GFPGANv1.4': 'Restores blurred or damaged faces in photos.',
  'models.summary.retinaface-mobilenet0.25':
    'Finds the faces in a photo, so that face restoration knows where to work.',
  'models.summary.yunet-2023mar': 'A small, fast face detector for photos of any size.',
  'models.summary.imported': 'A model you imported.',

  'models.download': 'Download',
  'models.downloadNamed': 'Download {name}',
  'models.downloading': 'Downloading {name}…',
  'models.downloadProgress': 'Download of {name}',
  'models.downloadReceived': '{received} of {total}',
  'models.downloadReceivedUnknown': '{received} received',
  'models.downloaded': 'Downloaded and verified {name}.',
  'models.remove': 'Remove',
  'models.removeNamed': 'Remove {name}',
  'models.removed': 'Removed {name}.',

  'models.details': 'Technical details',
  'models.details.id': 'Id',
  'models.details.file': 'File',
  'models.details.sha256': 'sha256',
  'models.details.sha256Published': 'published by {source}',
  'models.details.sha256Recorded': 'recorded, not published',
  'models.details.licence': 'Licence',
  'models.details.notes': 'Notes',
  'models.details.source': 'Installed by',
  'models.source.download': 'Download',
  'models.source.import': 'Import',
  'models.source.folder': 'Models folder (read-only)',
  'models.source.bundled': 'Included with Pixelsmith',

  'models.import.title': 'Import a model',
  'models.import.hint':
    'A PyTorch checkpoint (.pth, .safetensors) of Real-ESRGAN, ESRGAN or GFPGAN, or an ONNX file (.onnx). Pixelsmith reads what it does and its scale from the file, converts a checkpoint once and keeps a copy. Nothing in the file is run as code.',
  'models.import.button': 'Import a model file',
  'models.import.notOnnx':
    '“{name}” is not a model file. Choose a file that ends in .pth, .safetensors or .onnx.',
  'models.import.noPath':
    'Pixelsmith could not read where “{name}” is on this computer. Try choosing it again.',
  'models.import.uploading': 'Sending {name} to Pixelsmith…',
  'models.import.uploadProgress': 'Sending {name}',
  'models.import.uploadFailed': 'Could not send {name} to Pixelsmith: {reason}',
  'models.import.unreachable': 'the server could not be reached',
  'models.import.answered': 'the server answered {status}',
  'models.import.reading': 'Reading {name}…',
  'models.imported': 'Imported {name}.',
} as const;
