const stockholmDate = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Stockholm',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

const DAY_MS = 86_400_000;
const utc = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

/** `YYYY-MM-DD` plus n calendar days. */
export const addDays = (iso: string, n: number): string => new Date(utc(iso) + n * DAY_MS).toISOString().slice(0, 10);

/** Calendar days from one `YYYY-MM-DD` to another. */
export const daysBetween = (from: string, to: string): number => Math.round((utc(to) - utc(from)) / DAY_MS);

/** Calendar dates in the product are dates in Sweden (SPEC §8). */
export function stockholmToday(now: Date = new Date()): string {
  return stockholmDate.format(now);
}
