/** Picks the line of a crashed process's stderr that says what went wrong. */
export function explainStderr(stderr: string | undefined): string {
  const lines = (stderr ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('at ') && !/^Node\.js v\d/.test(line) && line !== '^');
  const error = lines.find((line) => /^(\w+\.)*\w*(Error|Exception)\b/.test(line) || /\berror:/i.test(line));
  return (error ?? lines.at(-1) ?? '').slice(0, 300);
}
