import { useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { highlightRule, type Token } from './highlight';
import { lineAndColumn } from './json';

/** An error marked in the editor: where it is in the text, and what it says. */
export interface EditorMark {
  offset: number;
  message: string;
}

/** One thing the caret's place may take. */
export interface CompletionOption {
  label: string;
  detail?: string;
  /** The text put in place of the range the completion replaces. */
  insert: string;
}

/** What may go at the caret: the options, and the range of the text one replaces. */
export interface Completion {
  from: number;
  to: number;
  options: CompletionOption[];
}

/** The most options a completion list shows (the best matches of what is typed come first). */
const maxShown = 50;

/**
 * A code editor of a rule: a textarea (so typing, selection, undo and screen readers are the
 * browser's own) over a highlighted copy of its text (JSON, and the JavaScript of its scripts:
 * see highlight.ts), with line numbers; the lines with errors are marked in the gutter and the
 * character each error names underlined, its message as the mark's title. Jumping to a line and
 * column selects it. With `complete`, Ctrl+Space (and typing a word or a quote) lists what the
 * caret's place takes; arrows choose, Enter or Tab puts it in, Escape closes the list.
 */
export function CodeEditor({
  id,
  value,
  onChange,
  marks,
  describedBy,
  editorRef,
  complete,
  completionLabel,
  compact,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  marks: EditorMark[];
  describedBy?: string;
  editorRef?: React.RefObject<HTMLTextAreaElement | null>;
  complete?: (text: string, caret: number) => Completion | null;
  completionLabel?: string;
  /** A few lines high (a process step's parameters), not a whole rule's. */
  compact?: boolean;
}) {
  const layer = useRef<HTMLPreElement>(null);
  const area = useRef<HTMLDivElement>(null);
  const [popup, setPopup] = useState<(Completion & { active: number; caret: number }) | null>(null);
  // Where the caret goes once a change the editor made itself (a completion, an indent) is in the text:
  // set as React writes the value, before the next key is handled (a frame later, typing would land at the end).
  const caretAfterChange = useRef<{ el: HTMLTextAreaElement; at: number } | null>(null);
  useLayoutEffect(() => {
    const pending = caretAfterChange.current;
    if (pending && pending.el.value === value) {
      caretAfterChange.current = null;
      pending.el.focus();
      pending.el.setSelectionRange(pending.at, pending.at);
    }
  }, [value]);
  const listId = `${id}-completions`;

  function offer(text: string, caret: number, always: boolean) {
    const found = complete?.(text, caret) ?? null;
    if (!found || found.options.length === 0 || (!always && caret === found.from)) {
      setPopup(null);
      return;
    }
    setPopup({ ...found, options: found.options.slice(0, maxShown), active: 0, caret });
  }

  function accept(el: HTMLTextAreaElement, option: CompletionOption) {
    if (!popup) return;
    const next = value.slice(0, popup.from) + option.insert + value.slice(popup.to);
    const caret = popup.from + option.insert.length;
    setPopup(null);
    caretAfterChange.current = { el, at: caret };
    onChange(next);
  }
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
    <div className={compact ? 'code-editor compact' : 'code-editor'}>
      <div className="gutter" aria-hidden="true">
        {lines.map((_, i) => (
          <div key={i} className={badLines.has(i + 1) ? 'bad' : undefined} title={badLines.get(i + 1)}>
            {i + 1}
          </div>
        ))}
      </div>
      <div className="code-area" ref={area}>
        <pre className="code-highlight" ref={layer} aria-hidden="true">
          {highlighted}
          {'\n'}
        </pre>
        <textarea
          id={id}
          ref={editorRef}
          value={value}
          rows={Math.max(compact ? 4 : 12, lines.length + 1)}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          aria-describedby={describedBy}
          aria-autocomplete={complete ? 'list' : undefined}
          aria-controls={popup ? listId : undefined}
          aria-activedescendant={popup ? `${listId}-${popup.active}` : undefined}
          onChange={(e) => {
            const text = e.target.value;
            onChange(text);
            // Typing a word's letter or a quote lists what fits; anything else closes the list.
            const caret = e.target.selectionStart;
            const typed = text.length === value.length + 1 ? text[caret - 1] : undefined;
            if (complete && typed !== undefined && /[\w"$]/.test(typed)) offer(text, caret, typed === '"');
            else setPopup(null);
          }}
          onClick={() => setPopup(null)}
          onScroll={(e) => {
            // The highlighted copy follows the text as it scrolls sideways (long lines) or down.
            if (layer.current) {
              layer.current.scrollLeft = e.currentTarget.scrollLeft;
              layer.current.scrollTop = e.currentTarget.scrollTop;
            }
          }}
          onKeyDown={(e) => {
            if (complete && e.key === ' ' && e.ctrlKey) {
              e.preventDefault();
              offer(value, e.currentTarget.selectionStart, true);
              return;
            }
            if (popup) {
              const count = popup.options.length;
              if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                e.preventDefault();
                setPopup({ ...popup, active: (popup.active + (e.key === 'ArrowDown' ? 1 : count - 1)) % count });
                return;
              }
              if (e.key === 'Enter' || e.key === 'Tab') {
                e.preventDefault();
                accept(e.currentTarget, popup.options[popup.active]!);
                return;
              }
              if (e.key === 'Escape') {
                e.preventDefault();
                setPopup(null);
                return;
              }
              if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End' || e.key === 'PageUp' || e.key === 'PageDown') setPopup(null);
            }
            // Tab indents (two spaces); Escape then Tab leaves, as keyboard users expect of editors.
            if (e.key === 'Tab' && !e.shiftKey && !e.currentTarget.dataset.leaving) {
              e.preventDefault();
              const el = e.currentTarget;
              const start = el.selectionStart;
              const next = value.slice(0, start) + '  ' + value.slice(el.selectionEnd);
              caretAfterChange.current = { el, at: start + 2 };
              onChange(next);
            }
            if (e.key === 'Escape') e.currentTarget.dataset.leaving = '1';
          }}
          onBlur={(e) => {
            delete e.currentTarget.dataset.leaving;
            setPopup(null);
          }}
        />
        {popup && (
          <CompletionList
            id={listId}
            label={completionLabel}
            completion={popup}
            place={caretPlace(area.current, value, popup.caret)}
            onPick={(option) => {
              const el = area.current?.querySelector('textarea');
              if (el) accept(el, option);
            }}
          />
        )}
      </div>
    </div>
  );
}

/** The list of what the caret's place takes, under the caret; a click on an option puts it in. */
function CompletionList({
  id,
  label,
  completion,
  place,
  onPick,
}: {
  id: string;
  label: string | undefined;
  completion: Completion & { active: number };
  place: { top: number; left: number };
  onPick: (option: CompletionOption) => void;
}) {
  return (
    <ul id={id} role="listbox" aria-label={label} className="completion-list" style={{ top: place.top, left: place.left }}>
      {completion.options.map((option, i) => (
        <li
          key={option.label + i}
          id={`${id}-${i}`}
          role="option"
          aria-selected={i === completion.active}
          ref={i === completion.active ? (el) => el?.scrollIntoView({ block: 'nearest' }) : undefined}
          // Keeps the focus in the editor: the click puts the option in, the caret stays.
          onMouseDown={(e) => {
            e.preventDefault();
            onPick(option);
          }}
        >
          <code>{option.label}</code>
          {option.detail && <span className="muted"> {option.detail}</span>}
        </li>
      ))}
    </ul>
  );
}

/** Where under the caret the list goes, in the code area's pixels: the editor's font is monospaced, so line and column say it. */
function caretPlace(area: HTMLDivElement | null, text: string, caret: number): { top: number; left: number } {
  const textarea = area?.querySelector('textarea');
  if (!area || !textarea) return { top: 0, left: 0 };
  const style = getComputedStyle(textarea);
  const probe = document.createElement('canvas').getContext('2d');
  if (probe) probe.font = `${style.fontSize} ${style.fontFamily}`;
  const charWidth = probe?.measureText('0000000000').width ? probe.measureText('0000000000').width / 10 : 8;
  const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.45;
  const { line, column } = lineAndColumn(text, caret);
  return {
    top: parseFloat(style.paddingTop) + line * lineHeight - textarea.scrollTop,
    left: Math.max(0, parseFloat(style.paddingLeft) + (column - 1) * charWidth - textarea.scrollLeft),
  };
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
