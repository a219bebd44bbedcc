import { RpcError } from '../../contract/errors.js';

/** Contract field → the flag a user typed for it, for one command. */
export type FlagWords = Readonly<Record<string, string>>;

/**
 * The contract's refusal in the command line's words: "give either maxSize or scale" becomes
 * "give either --max-size or --scale". Same code, same sentence, only the field names are the
 * user's own (the studio shows them as form fields).
 */
export function inFlagWords(error: unknown, flags: FlagWords): unknown {
  if (!(error instanceof RpcError) || error.code !== 'INVALID_INPUT') return error;
  return new RpcError(error.code, renameFields(error.message, flags), error.details);
}

export function renameFields(message: string, flags: FlagWords): string {
  let out = message;
  for (const [field, flag] of Object.entries(flags).sort(([a], [b]) => b.length - a.length)) {
    out = out.replace(new RegExp(`(?<![\\w.-])${field}(?![\\w-])`, 'g'), flag);
  }
  return out;
}

/**
 * Text from outside (a file name, a label) as a terminal shows it safely: control characters
 * (an escape sequence in a file name could rewrite the screen) become visible `\xNN` escapes.
 */
export function safeText(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\x00-\x1f\x7f-\x9f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
