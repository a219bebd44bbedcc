import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { de } from './de.js';
import { en, type Catalogue, type MessageKey } from './en.js';

/** The shipped catalogues; English is complete by definition, the others are checked against it. */
export const CATALOGUES = { en, de } as const satisfies Record<string, Catalogue>;
export type Locale = keyof typeof CATALOGUES;
export type { MessageKey };

type Params = Record<string, string | number>;

/**
 * Everything the studio says, in one locale: `t` fills `{name}` placeholders (numbers through
 * `Intl.NumberFormat`) and picks the plural form by `count` with `Intl.PluralRules`; numbers,
 * sizes, durations, dates and lists go through `Intl` too.
 */
export interface I18n {
  locale: Locale;
  t(key: MessageKey, params?: Params): string;
  number(n: number, digits?: number): string;
  percent(fraction: number): string;
  bytes(n: number): string;
  /** `1:05`, `1:02:03` for progress; `about 3 min` for estimates. */
  clock(ms: number): string;
  duration(ms: number): string;
  date(at: number): string;
  time(at: number): string;
  /** `3 min ago`, `in 2 h`. */
  relative(at: number, now?: number): string;
  list(items: readonly string[]): string;
  money(usd: number): string;
  megapixels(pixels: number): string;
}

/** The best shipped locale for a preference list (`navigator.languages`). */
export function pickLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0] ?? '';
    if (base in CATALOGUES) return base as Locale;
  }
  return 'en';
}

export function createI18n(locale: Locale): I18n {
  const catalogue: Catalogue = CATALOGUES[locale];
  const plural = new Intl.PluralRules(locale);
  const num = new Intl.NumberFormat(locale);
  const fmt = (template: string, params: Params = {}): string =>
    template.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = params[name];
      if (value === undefined) return whole;
      return typeof value === 'number' ? num.format(value) : value;
    });
  const units = (value: number, unit: string, digits = 0): string =>
    new Intl.NumberFormat(locale, {
      style: 'unit',
      unit,
      unitDisplay: 'short',
      maximumFractionDigits: digits,
    }).format(value);
  const i18n: I18n = {
    locale,
    t(key, params) {
      const entry = catalogue[key] ?? en[key];
      // A key built at run time (`kind.${kind}`) that no catalogue has: shown as itself, never a crash.
      if (entry === undefined) return key;
      if (typeof entry === 'string') return fmt(entry, params);
      const count = Number(params?.count ?? 0);
      const form = plural.select(count) as keyof typeof entry;
      return fmt(entry[form] ?? entry.other, params);
    },
    number: (n, digits = 0) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n),
    percent: (f) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(f),
    bytes(n) {
      const steps = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];
      let value = n;
      let i = 0;
      while (value >= 1000 && i < steps.length - 1) {
        value /= 1000;
        i += 1;
      }
      return units(value, steps[i] ?? 'byte', value < 10 && i > 0 ? 1 : 0);
    },
    clock(ms) {
      const total = Math.max(0, Math.round(ms / 1000));
      const h = Math.floor(total / 3600);
      const m = Math.floor((total % 3600) / 60);
      const s = String(total % 60).padStart(2, '0');
      return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
    },
    duration(ms) {
      const s = ms / 1000;
      if (s < 1) return units(Math.max(0.1, s), 'second', 1);
      if (s < 90) return units(s, 'second', s < 10 ? 1 : 0);
      if (s < 90 * 60) return units(s / 60, 'minute');
      if (s < 48 * 3600) return units(s / 3600, 'hour', s < 10 * 3600 ? 1 : 0);
      return units(s / 86400, 'day', 1);
    },
    date: (at) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(at),
    time: (at) => new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(at),
    relative(at, now = Date.now()) {
      const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
      const s = (at - now) / 1000;
      const abs = Math.abs(s);
      if (abs < 45) return rtf.format(Math.round(s), 'second');
      if (abs < 45 * 60) return rtf.format(Math.round(s / 60), 'minute');
      if (abs < 36 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
      return rtf.format(Math.round(s / 86400), 'day');
    },
    list: (items) => new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(items),
    money: (usd) =>
      new Intl.NumberFormat(locale, {
        style: 'currency',
        currency: 'USD',
        maximumFractionDigits: usd < 1 ? 3 : 2,
      }).format(usd),
    megapixels: (pixels) =>
      `${new Intl.NumberFormat(locale, { maximumFractionDigits: pixels < 1e6 ? 2 : 1 }).format(pixels / 1e6)} MP`,
  };
  return i18n;
}

const I18nContext = createContext<I18n>(createI18n('en'));

export function I18nProvider({ locale, children }: { locale: Locale; children: ReactNode }) {
  const value = useMemo(() => createI18n(locale), [locale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/** The current locale's strings and formatters. */
export function useI18n(): I18n {
  return useContext(I18nContext);
}
