// One short, safe rendering of a bad argument for error messages: huge values are clipped so a
// message never echoes a 300 KB string, and `String()` can throw (null-prototype objects).

/** A printable form of any value from an untyped caller, at most `maxChars` long (ellipsis included). */
export function printable(value: unknown, maxChars = 100): string {
  let text: string;
  try {
    text = String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > maxChars ? `${text.slice(0, maxChars - 3)}...` : text;
}

/** {@link printable} at most 80 characters, in double quotes (JSON), for naming a bad argument in a message. */
export function quoted(value: unknown): string {
  return JSON.stringify(printable(value, 80));
}
