const FORMAT = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Pacific wall-clock parts of an instant. */
function parts(ms: number): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  const p = Object.fromEntries(FORMAT.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
  return {
    y: p.year ?? 0,
    m: p.month ?? 0,
    d: p.day ?? 0,
    h: p.hour ?? 0,
    mi: p.minute ?? 0,
    s: p.second ?? 0,
  };
}

/** Pacific minus UTC at an instant, in ms (−8 h in winter, −7 h in summer). */
function offset(ms: number): number {
  const p = parts(ms);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of midnight Pacific that starts the day containing `ms`. Gemini's daily quotas
 * reset then. DST changes at 02:00, so midnight always has the day's first offset; days are 23 or
 * 25 hours long on the change days, which this handles because it never adds 24 h.
 */
export function pacificDayStart(ms: number): number {
  const p = parts(ms);
  const guess = Date.UTC(p.y, p.m - 1, p.d) - offset(Date.UTC(p.y, p.m - 1, p.d, 8));
  return guess;
}

/** The next midnight Pacific after `ms` (when today's counts reset). */
export function nextPacificMidnight(ms: number): number {
  return pacificDayStart(pacificDayStart(ms) + 30 * 3600_000);
}

/** The Pacific calendar day containing `ms`, as YYYY-MM-DD (what daily quotas and the cost cap count). */
export function pacificDay(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}
