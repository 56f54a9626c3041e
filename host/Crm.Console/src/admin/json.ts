/** Where in a text an offset is, counted from 1 as editors show it. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/** JSON.parse, or where and why the text is not JSON (the engines' messages name a position or a line and column). */
export function parseJson(text: string): { value: unknown } | { error: string; line: number; column: number } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const lineColumn = /line (\d+) column (\d+)/.exec(message);
    if (lineColumn) return { error: message, line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
    const position = /position (\d+)/.exec(message);
    const at = lineAndColumn(text, position ? Number(position[1]) : text.length);
    return { error: message, ...at };
  }
}

/** The line and column an API message names ("... (line 3, column 7)"), if any. */
export function scriptPosition(message: string): { line: number; column: number } | null {
  const match = /line (\d+), column (\d+)/.exec(message);
  return match ? { line: Number(match[1]), column: Number(match[2]) } : null;
}
