/** The sentence an error carries, for the status line and the panels (a thrown non-Error as text). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
