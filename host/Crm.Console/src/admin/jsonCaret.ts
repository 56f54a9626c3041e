// Where the caret is in a JSON document being typed: in a key or a value, at which path, and what the
// objects around it already hold. A tolerant scanner like highlight.ts's: the text is often not JSON yet.

export type JsonPath = (string | number)[];

/** An object or array around the caret, as the whole text holds it (keys after the caret included). */
export interface JsonFrame {
  kind: 'object' | 'array';
  path: JsonPath;
  /** Its keys (objects). */
  keys: Set<string>;
  /** Its keys whose values are strings or numbers, with those values as text (a step's `kind`, a scope's `pipelineId`). */
  strings: Map<string, string>;
  /** Its keys whose values are objects or arrays, with those (a rule's `scope`, seen from inside its actions). */
  children: Map<string, JsonFrame>;
}

export interface JsonCaret {
  /** A key of the object at `path`, or the value at `path`. */
  role: 'key' | 'value';
  path: JsonPath;
  /** What a completion replaces: the string literal with its quotes, the bare word, or nothing (from = to). */
  from: number;
  to: number;
  /** What is typed before the caret, quotes left out. */
  prefix: string;
  /** The key being typed (role key), left out of what the object already holds. */
  editedKey: string | null;
  /** Whether a colon already follows (role key). */
  colonFollows: boolean;
  /** The objects and arrays around it, outermost first. */
  frames: JsonFrame[];
}

interface OpenFrame extends JsonFrame {
  key: string | null;
  index: number;
  /** What may come next: an object goes key, colon, value, comma; an array value, comma. */
  next: 'key' | 'colon' | 'value' | 'comma';
}

/** The end of a string literal starting at `start` (after its closing quote, or at the line's end when unterminated). */
function stringEnd(text: string, start: number): { end: number; closed: boolean } {
  let i = start + 1;
  while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
  return text[i] === '"' ? { end: i + 1, closed: true } : { end: Math.min(i, text.length), closed: false };
}

function unquote(literal: string): string {
  const body = literal.endsWith('"') && literal.length > 1 ? literal.slice(1, -1) : literal.slice(1);
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return body;
  }
}

/** Where the caret at `caret` is; null outside any object or array, or in a number or after a value. */
export function jsonCaretAt(text: string, caret: number): JsonCaret | null {
  const stack: OpenFrame[] = [];
  let found: JsonCaret | null = null;
  const top = () => stack[stack.length - 1];
  const valuePath = (frame: OpenFrame): JsonPath => [...frame.path, frame.kind === 'object' ? (frame.key ?? '') : frame.index];
  const valueRead = (frame: OpenFrame | undefined) => {
    if (frame) frame.next = 'comma';
  };
  const colonAfter = (from: number) => /^\s*:/.test(text.slice(from, from + 200));
  // The caret between tokens: a key or a value may start there.
  const between = () => {
    const frame = top();
    if (found || !frame) return;
    if (frame.next === 'key')
      found = { role: 'key', path: frame.path, from: caret, to: caret, prefix: '', editedKey: null, colonFollows: colonAfter(caret), frames: [...stack] };
    else if (frame.next === 'value')
      found = { role: 'value', path: valuePath(frame), from: caret, to: caret, prefix: '', editedKey: null, colonFollows: false, frames: [...stack] };
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (i === caret) between();
      i++;
      continue;
    }
    if (i === caret && !'"'.includes(c) && !/[\w$.-]/.test(c)) between();
    const frame = top();
    if (c === '"') {
      const { end, closed } = stringEnd(text, i);
      const inside = caret > i && (caret < end || (caret === end && !closed));
      const literal = text.slice(i, end);
      const value = unquote(literal);
      // An unclosed string (a quote just typed) runs to the line's end: a completion replaces only up to the caret's word's end.
      const to = closed ? end : caret + (/^[\w$.:-]*/.exec(text.slice(caret, caret + 200))?.[0].length ?? 0);
      if (frame?.next === 'key') {
        if (inside && !found)
          found = { role: 'key', path: frame.path, from: i, to, prefix: unquote(text.slice(i, caret)), editedKey: value, colonFollows: colonAfter(to), frames: [...stack] };
        frame.key = value;
        frame.keys.add(value);
        frame.next = 'colon';
      } else if (frame) {
        if (inside && !found)
          found = { role: 'value', path: valuePath(frame), from: i, to, prefix: unquote(text.slice(i, caret)), editedKey: null, colonFollows: false, frames: [...stack] };
        if (frame.kind === 'object' && frame.key !== null) frame.strings.set(frame.key, value);
        valueRead(frame);
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') {
      const path = frame ? valuePath(frame) : [];
      valueRead(frame);
      const opened: OpenFrame = { kind: c === '{' ? 'object' : 'array', path, keys: new Set(), strings: new Map(), children: new Map(), key: null, index: 0, next: c === '{' ? 'key' : 'value' };
      if (frame?.kind === 'object' && frame.key !== null) frame.children.set(frame.key, opened);
      stack.push(opened);
      i++;
      continue;
    }
    if (c === '}' || c === ']') {
      stack.pop();
      i++;
      continue;
    }
    if (c === ':') {
      if (frame?.kind === 'object') frame.next = 'value';
      i++;
      continue;
    }
    if (c === ',') {
      if (frame?.kind === 'object') {
        frame.next = 'key';
        frame.key = null;
      } else if (frame) {
        frame.index++;
        frame.next = 'value';
      }
      i++;
      continue;
    }
    // A bare word or number: a literal, or a key or value being typed without its quotes yet.
    const word = /^[\w$.-]+/.exec(text.slice(i, i + 200));
    const end = i + (word ? word[0].length : 1);
    if (frame && !found && caret > i && caret <= end && /^[A-Za-z_$]/.test(c)) {
      const prefix = text.slice(i, caret);
      found =
        frame.next === 'key'
          ? { role: 'key', path: frame.path, from: i, to: end, prefix, editedKey: text.slice(i, end), colonFollows: colonAfter(end), frames: [...stack] }
          : { role: 'value', path: valuePath(frame), from: i, to: end, prefix, editedKey: null, colonFollows: false, frames: [...stack] };
    }
    if (frame?.next === 'key') frame.next = 'colon';
    else {
      if (frame?.kind === 'object' && frame.key !== null && frame.next === 'value' && word) frame.strings.set(frame.key, word[0]);
      valueRead(frame);
    }
    i = end;
  }
  if (caret >= text.length) between();
  return found;
}
