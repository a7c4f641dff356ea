/**
 * Values handed from a headless page to Node. Puppeteer carries them as JSON, where NaN and ±Infinity
 * become null; but a loss the output does not allow is NaN by design (StepMetrics.losses) and a
 * diverging run's figures are not finite, and Node must see them as the numbers they are. So the
 * page sends JSON text in which each non-finite number is the object {"nonFinite": "NaN"} (or
 * "Infinity", "-Infinity"), and Node turns those objects back into numbers.
 */

/** The tag of an encoded non-finite number. */
const NON_FINITE_KEY = 'nonFinite';

/** `value` as JSON text that keeps NaN and ±Infinity (see the module comment). */
export function encodeForNode(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'number' && !Number.isFinite(item) ? { [NON_FINITE_KEY]: String(item) } : item));
}

/** The value `encodeForNode` wrote, non-finite numbers restored. */
export function decodeFromPage<T>(text: string): T {
  return JSON.parse(text, (_key, item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
    const keys = Object.keys(item);
    const tagged = (item as Record<string, unknown>)[NON_FINITE_KEY];
    return keys.length === 1 && (tagged === 'NaN' || tagged === 'Infinity' || tagged === '-Infinity') ? Number(tagged) : item;
  }) as T;
}
