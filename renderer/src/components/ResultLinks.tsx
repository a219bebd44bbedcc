import { isDesktop } from '../api/client.js';
import { useI18n } from '../i18n/index.js';

const shell = () => window.pixelsmithShell;

/**
 * How to reach one finished output: "Show in folder" in the desktop app, a download in the
 * browser studio (the server streams the file; the page never names a server path).
 */
export function ResultLink({ itemId, index = 0, name }: { itemId: number; index?: number; name: string }) {
  const { t } = useI18n();
  if (isDesktop && shell()) {
    return (
      <button
        type="button"
        className="link"
        aria-label={t('results.showNamed', { name })}
        onClick={() => void shell()?.showInFolder(itemId, index)}
      >
        {t('results.show')}
      </button>
    );
  }
  return (
    <a
      className="link"
      href={`/download/item/${itemId}?index=${index}`}
      download={name}
      aria-label={t('results.downloadNamed', { name })}
    >
      {t('results.download')}
    </a>
  );
}

/** Every output of a job as one zip, streamed by the server (browser studio only). */
export function JobZipLink({ jobId }: { jobId: string }) {
  const { t } = useI18n();
  if (isDesktop) return null;
  return (
    <a className="button" href={`/download/job/${jobId}.zip`} download>
      {t('results.zip')}
    </a>
  );
}
