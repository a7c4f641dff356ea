/** What the tables of src/model (activations, losses, optimizers) share. */

/**
 * Gives each entry its position in the table as `id`: the number the shaders switch on, so ids
 * follow the table's order and are written nowhere else.
 */
export function numbered<K extends string, T>(table: Record<K, T>): Record<K, T & { readonly id: number }> {
  return Object.fromEntries(Object.entries(table).map(([name, entry], id) => [name, { ...(entry as T), id }])) as Record<K, T & { readonly id: number }>;
}
