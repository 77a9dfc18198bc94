// The URLs in a model's output, whatever its shape (a string, a list, an object of them).

/** Every http(s) or data URL in a model's output, in order. */
export function urlsIn(output: unknown): string[] {
  const urls: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (/^(https?:\/\/|data:)/i.test(value)) urls.push(value);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (typeof value === 'object' && value !== null) {
      Object.values(value).forEach(visit);
    }
  };
  visit(output);
  return urls;
}
