/** One message: a template with `{name}` placeholders, or plural forms chosen by `{count}`. */
export type Message = string | { readonly one?: string; readonly other: string };

/** A section of a catalogue; a translation of it must give every key of the English one. */
export type Section = Readonly<Record<string, Message>>;
export type TranslationOf<S extends Section> = { readonly [K in keyof S]: Message };
