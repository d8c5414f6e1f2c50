const stockholmDate = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Stockholm',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** Calendar dates in the product are dates in Sweden (SPEC §8). */
export function stockholmToday(now: Date = new Date()): string {
  return stockholmDate.format(now);
}
