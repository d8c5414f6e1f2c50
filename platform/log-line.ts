/**
 * Control characters (a path with %0A, a name with a newline) are shown escaped, so nothing a
 * client sends can start a forged log line; a stack trace stays on its one line too.
 */
export function escapeForLog(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
