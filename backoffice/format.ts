import type { Lang } from './i18n.js';

const locale = (lang: Lang) => (lang === 'sv' ? 'sv-SE' : 'en-GB');

/** Amounts are kept in öre (hundredths of the currency unit). */
export const money = (ore: number, currency: string, lang: Lang) =>
  new Intl.NumberFormat(locale(lang), { style: 'currency', currency }).format(Number(ore) / 100);

/** Facilities are in Sweden: instants are shown in Stockholm time. */
export const dateTime = (iso: string | Date, lang: Lang) =>
  new Intl.DateTimeFormat(locale(lang), { dateStyle: 'short', timeStyle: 'medium', timeZone: 'Europe/Stockholm' }).format(new Date(iso));
