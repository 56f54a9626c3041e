import { useMemo, useRef, type ReactNode } from 'react';
import { highlightRule, type Token } from './highlight';

/** An error marked in the editor: where it is in the text, and what it says. */
export interface EditorMark {
  offset: number;
  message: string;
}

/**
 * A code editor of a rule: a textarea (so typing, selection, undo and screen readers are the
 * browser's own) over a highlighted copy of its text (JSON, and the JavaScript of its scripts:
 * see highlight.ts), with line numbers; the lines with errors are marked in the gutter and the
 * character each error names underlined, its message as the mark's title. Jumping to a line and
 * column selects it.
 */
export function CodeEditor({
  id,
  value,
  onChange,
  marks,
  describedBy,
  editorRef,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  marks: EditorMark[];
  describedBy?: string;
  editorRef?: React.RefObject<HTMLTextAreaElement | null>;
}) {
  const layer = useRef<HTMLPreElement>(null);
  const lines = value.split('\n');
  const badLines = useMemo(() => {
    const bad = new Map<number, string>();
    for (const mark of marks) {
      const line = value.slice(0, mark.offset).split('\n').length;
      bad.set(line, bad.has(line) ? `${bad.get(line)}\n${mark.message}` : mark.message);
    }
    return bad;
  }, [marks, value]);
  const highlighted = useMemo(() => render(highlightRule(value), marks), [value, marks]);
  return (
    <div className="code-editor">
      <div className="gutter" aria-hidden="true">
        {lines.map((_, i) => (
          <div key={i} className={badLines.has(i + 1) ? 'bad' : undefined} title={badLines.get(i + 1)}>
            {i + 1}
          </div>
        ))}
      </div>
      <div className="code-area">
        <pre className="code-highlight" ref={layer} aria-hidden="true">
          {highlighted}
          {'\n'}
        </pre>
        <textarea
          id={id}
          ref={editorRef}
          value={value}
          rows={Math.max(12, lines.length + 1)}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => {
            // The highlighted copy follows the text as it scrolls sideways (long lines) or down.
            if (layer.current) {
              layer.current.scrollLeft = e.currentTarget.scrollLeft;
              layer.current.scrollTop = e.currentTarget.scrollTop;
            }
          }}
          onKeyDown={(e) => {
            // Tab indents (two spaces); Escape then Tab leaves, as keyboard users expect of editors.
            if (e.key === 'Tab' && !e.shiftKey && !e.currentTarget.dataset.leaving) {
              e.preventDefault();
              const el = e.currentTarget;
              const start = el.selectionStart;
              const next = value.slice(0, start) + '  ' + value.slice(el.selectionEnd);
              onChange(next);
              requestAnimationFrame(() => el.setSelectionRange(start + 2, start + 2));
            }
            if (e.key === 'Escape') e.currentTarget.dataset.leaving = '1';
          }}
          onBlur={(e) => delete e.currentTarget.dataset.leaving}
        />
      </div>
    </div>
  );
}

/** The tokens as spans, the character at each mark wrapped in a <mark> (a space when the mark is at a line's end). */
function render(tokens: Token[], marks: EditorMark[]): ReactNode[] {
  const at = new Map<number, string>();
  for (const mark of marks) at.set(mark.offset, at.has(mark.offset) ? `${at.get(mark.offset)}\n${mark.message}` : mark.message);
  const nodes: ReactNode[] = [];
  const markAt = (offset: number, char: string) => (
    <mark key={`m${offset}`} className="error-at" title={at.get(offset)}>
      {char === '\n' || char === '' ? ' ' : char}
    </mark>
  );
  let end = 0;
  for (const token of tokens) {
    end = token.start + token.text.length;
    const inside = [...at.keys()].filter((o) => o >= token.start && o < end).sort((a, b) => a - b);
    let from = token.start;
    const parts: ReactNode[] = [];
    for (const offset of inside) {
      if (offset > from) parts.push(token.text.slice(from - token.start, offset - token.start));
      const char = token.text[offset - token.start] ?? '';
      if (char === '\n') {
        parts.push(markAt(offset, char), '\n');
      } else parts.push(markAt(offset, char));
      from = offset + 1;
    }
    if (from < end) parts.push(token.text.slice(from - token.start));
    nodes.push(
      token.cls === 'plain' || token.cls === 'punct' ? (
        <span key={token.start}>{parts}</span>
      ) : (
        <span key={token.start} className={`hl-${token.cls}`}>
          {parts}
        </span>
      ),
    );
  }
  // A mark past the text's end (an unfinished document).
  for (const offset of at.keys()) if (offset >= end) nodes.push(markAt(offset, ''));
  return nodes;
}

/** Puts the caret at a line and column of the editor. */
export function jumpTo(editor: HTMLTextAreaElement | null, line: number, column: number) {
  if (!editor) return;
  const lines = editor.value.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += (lines[i]?.length ?? 0) + 1;
  offset += Math.max(0, column - 1);
  editor.focus();
  editor.setSelectionRange(offset, offset + 1);
}
