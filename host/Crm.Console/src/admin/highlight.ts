// Syntax highlighting of a rule as the editor holds it: JSON, whose script strings (a condition's
// `script`, a `platform.script` step's `source`) hold JavaScript, highlighted as such inside the
// string. A tolerant scanner, not a parser: the text is being typed and is often not JSON yet.
// Also where a path of the rule (an API error's `path`) and a script's line and column are in the text.

export type TokenClass = 'key' | 'string' | 'number' | 'literal' | 'punct' | 'keyword' | 'js-string' | 'comment' | 'plain';

export interface Token {
  start: number;
  text: string;
  cls: TokenClass;
}

/** The keys whose string values are JavaScript. */
const scriptKeys = new Set(['script', 'source']);

const jsKeywords = new Set(
  'await break case catch class const continue debugger default delete do else export extends false finally for function if import in instanceof let new null of return super switch this throw true try typeof undefined var void while with yield'.split(
    ' ',
  ),
);

/** The end of a JSON string literal starting at `start` (its closing quote's next offset, or the line's end when unterminated). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
  return text[i] === '"' ? i + 1 : i;
}

export function highlightRule(text: string): Token[] {
  const tokens: Token[] = [];
  const push = (start: number, end: number, cls: TokenClass) => {
    if (end > start) tokens.push({ start, text: text.slice(start, end), cls });
  };
  let lastKey: string | null = null;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      let j = end;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === ':') {
        lastKey = text.slice(i + 1, end - 1);
        push(i, end, 'key');
      } else if (lastKey !== null && scriptKeys.has(lastKey)) {
        push(i, i + 1, 'string');
        tokens.push(...highlightScript(text, i + 1, end - (text[end - 1] === '"' && end - 1 > i ? 1 : 0)));
        if (text[end - 1] === '"' && end - 1 > i) push(end - 1, end, 'string');
        lastKey = null;
      } else {
        push(i, end, 'string');
        lastKey = null;
      }
      i = end;
      continue;
    }
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 40));
    if (number && (c === '-' || /\d/.test(c))) {
      push(i, i + number[0].length, 'number');
      i += number[0].length;
      lastKey = null;
      continue;
    }
    const word = /^[A-Za-z_]\w*/.exec(text.slice(i, i + 60));
    if (word) {
      push(i, i + word[0].length, ['true', 'false', 'null'].includes(word[0]) ? 'literal' : 'plain');
      i += word[0].length;
      continue;
    }
    if ('{}[],:'.includes(c)) {
      push(i, i + 1, 'punct');
      if (c !== ':') lastKey = c === ',' || c === '{' ? null : lastKey;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < text.length && /\s/.test(text[j]!) && /\s/.test(c)) j++;
    push(i, j, 'plain');
    i = j;
  }
  return tokens;
}

/**
 * JavaScript inside a JSON string literal, as written there (escapes and all): keywords, numbers,
 * strings ('...', `...`, \"...\"), comments (a line comment ends at an escaped line break).
 */
function highlightScript(text: string, start: number, end: number): Token[] {
  const tokens: Token[] = [];
  const push = (s: number, e: number, cls: TokenClass) => {
    if (e > s) tokens.push({ start: s, text: text.slice(s, e), cls });
  };
  let i = start;
  let plain = start;
  const flush = (to: number) => {
    push(plain, to, 'plain');
  };
  while (i < end) {
    const rest = text.slice(i, Math.min(end, i + 80));
    let tokenEnd = -1;
    let cls: TokenClass = 'plain';
    if (rest.startsWith('//')) {
      const newline = text.indexOf('\\n', i);
      tokenEnd = newline === -1 || newline > end ? end : newline;
      cls = 'comment';
    } else if (rest.startsWith('/*')) {
      const close = text.indexOf('*/', i + 2);
      tokenEnd = close === -1 || close + 2 > end ? end : close + 2;
      cls = 'comment';
    } else if (rest[0] === "'" || rest[0] === '`' || rest.startsWith('\\"')) {
      const quote = rest[0] === '\\' ? '\\"' : rest[0]!;
      let j = i + quote.length;
      while (j < end && !text.startsWith(quote, j)) j += text[j] === '\\' ? 2 : 1;
      tokenEnd = Math.min(end, j + quote.length);
      cls = 'js-string';
    } else if (/^\d/.test(rest) && !/[\w$]/.test(text[i - 1] ?? '')) {
      tokenEnd = i + /^\d+(\.\d+)?/.exec(rest)![0].length;
      cls = 'number';
    } else {
      const word = /^[A-Za-z_$][\w$]*/.exec(rest);
      // An escape (\n, \t) is not the start of a word.
      if (word && text[i - 1] !== '\\') {
        if (jsKeywords.has(word[0])) {
          tokenEnd = i + word[0].length;
          cls = 'keyword';
        } else {
          i += word[0].length;
          continue;
        }
      }
    }
    if (tokenEnd > i) {
      flush(i);
      push(i, tokenEnd, cls);
      i = tokenEnd;
      plain = i;
    } else {
      i += text[i] === '\\' ? 2 : 1;
    }
  }
  flush(Math.min(i, end));
  return tokens;
}

/**
 * Where the value at a path of the rule starts in the text (the API's error path, "input" first
 * or not), or null when the text is not JSON or has no such value.
 */
export function offsetOfPath(text: string, path: readonly (string | number)[]): number | null {
  const wanted = path.map(String);
  if (wanted[0] === 'input') wanted.shift();
  let i = 0;
  const space = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  // Skips one value, answering where the wanted one starts when it is inside.
  const value = (depth: number): number | null | undefined => {
    space();
    const start = i;
    if (depth === wanted.length) {
      skip();
      return start;
    }
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return undefined;
      }
      for (;;) {
        space();
        if (text[i] !== '"') return null;
        const end = stringEnd(text, i);
        const key = JSON.parse(text.slice(i, end)) as string;
        i = end;
        space();
        if (text[i++] !== ':') return null;
        if (key === wanted[depth]) return value(depth + 1);
        skipValue();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return undefined;
        } else return null;
      }
    }
    if (c === '[') {
      i++;
      for (let index = 0; ; index++) {
        space();
        if (text[i] === ']') {
          i++;
          return undefined;
        }
        if (String(index) === wanted[depth]) return value(depth + 1);
        skipValue();
        space();
        if (text[i] === ',') i++;
      }
    }
    skip();
    return undefined;
  };
  const skipValue = () => {
    space();
    skip();
  };
  // Past one value, brackets balanced, strings whole.
  const skip = () => {
    let nesting = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i = stringEnd(text, i);
        if (nesting === 0) return;
      } else if (c === '{' || c === '[') {
        nesting++;
        i++;
      } else if (c === '}' || c === ']') {
        if (nesting === 0) return;
        nesting--;
        i++;
        if (nesting === 0) return;
      } else if (nesting === 0 && (c === ',' || /\s/.test(c))) {
        return;
      } else i++;
    }
  };
  try {
    return value(0) ?? null;
  } catch {
    return null;
  }
}

/** The offset in the text of a script's line and column (from 1), the script being the JSON string literal at `literal`. */
export function scriptOffset(text: string, literal: number, line: number, column: number): number {
  let i = literal + 1;
  let atLine = 1;
  let atColumn = 1;
  while (i < text.length && text[i] !== '"' && text[i] !== '\n') {
    if (atLine === line && atColumn === column) return i;
    if (atLine > line) return i;
    const escaped = text[i] === '\\';
    const isBreak = escaped && text[i + 1] === 'n';
    i += escaped ? (text[i + 1] === 'u' ? 6 : 2) : 1;
    if (isBreak) {
      atLine++;
      atColumn = 1;
    } else atColumn++;
  }
  return i;
}
