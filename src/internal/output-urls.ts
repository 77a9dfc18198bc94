// Finding the files in a model's output: models return a URL, a list of them, or an object whose values
// are URLs. The one helper for the library and the CLI.

/** Every URL-looking string in a model's output (a string, an array of them, or an object's values), in order. */
export function outputUrls(output: unknown): string[] {
  if (typeof output === 'string') return /^(https?|data):/i.test(output) ? [output] : [];
  if (Array.isArray(output)) return output.flatMap(outputUrls);
  if (typeof output === 'object' && output !== null) return Object.values(output).flatMap(outputUrls);
  return [];
}
