import { useTranslation } from 'react-i18next';

/** Numbers and dates in the reader's language, through Intl. */
export function useFormat() {
  const { i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const numberFormat = new Intl.NumberFormat(locale);
  const percentFormat = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  // Calendar days (a billing period's bounds, a day of usage) are dates, not instants: they are
  // days in UTC, shown as such in any time zone.
  const calendarDateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const dayFormat = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const timeFormat = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  const valid = (value: string | null | undefined) => value && !Number.isNaN(Date.parse(value));
  return {
    locale,
    number: (value: number) => numberFormat.format(value),
    percent: (fraction: number) => percentFormat.format(fraction),
    date: (value: string | null | undefined) => (valid(value) ? dateFormat.format(new Date(value!)) : '—'),
    dateTime: (value: string | null | undefined) => (valid(value) ? dateTimeFormat.format(new Date(value!)) : '—'),
    time: (value: string | null | undefined) => (valid(value) ? timeFormat.format(new Date(value!)) : '—'),
    /** A calendar day given as YYYY-MM-DD, in full. */
    calendarDate: (value: string) => (valid(value) ? calendarDateFormat.format(new Date(value)) : value),
    /** A calendar day given as YYYY-MM-DD, short (month and day). */
    day: (value: string) => (valid(value) ? dayFormat.format(new Date(value)) : value),
  };
}
