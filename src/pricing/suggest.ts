/**
 * "Did you mean" for unknown field and option names. Pure and dependency-free, so the pricing entry,
 * the request schema and the client options all suggest names the same way.
 */

/** Edit distance (insertions, deletions, substitutions) between two strings. */
function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] ?? 0;
}

/** Lower case, without `_`, `-` and spaces: `api_key`, `API-Key` and `apiKey` all read `apikey`. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[\s_-]/g, '');
}

/**
 * The known name `name` most likely meant, or undefined when none is close: the same name in another
 * case or spelling (`api_key` → `apiKey`), a known name that contains it or that it contains
 * (`timeout` → `timeoutMs`, `retries` → `maxRetries`; the shortest wins), or the nearest by edit
 * distance, to the whole name or its start, within a third of its length (at least 2: `gatway` →
 * `gateway`, `timout` → `timeoutMs`).
 */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  const folded = fold(name);
  if (folded === '') return undefined;
  let contained: string | undefined;
  let nearest: string | undefined;
  let nearestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const other = fold(candidate);
    if (other === folded) return candidate;
    if (
      folded.length >= 3 &&
      (other.includes(folded) || (other.length >= 3 && folded.includes(other))) &&
      (contained === undefined || candidate.length < contained.length)
    ) {
      contained = candidate;
    }
    // A misspelt start of a longer name counts too (`timout` → `timeoutMs`), a little behind a whole one.
    let distance = levenshtein(folded, other);
    for (let length = folded.length - 1; length <= folded.length + 1 && length < other.length; length++) {
      if (length >= 3) distance = Math.min(distance, levenshtein(folded, other.slice(0, length)) + 0.5);
    }
    if (distance < nearestDistance) {
      nearest = candidate;
      nearestDistance = distance;
    }
  }
  if (contained !== undefined) return contained;
  return nearestDistance <= Math.max(2, Math.floor(folded.length / 3)) ? nearest : undefined;
}
