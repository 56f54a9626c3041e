import { useRef } from 'react';

/**
 * A plain-text editor of code with line numbers, the lines with errors marked in the gutter;
 * jumping to a line and column selects it. Plain text keeps it small and accessible (a textarea).
 */
export function CodeEditor({
  id,
  value,
  onChange,
  badLines,
  describedBy,
  editorRef,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  badLines: Set<number>;
  describedBy?: string;
  editorRef?: React.RefObject<HTMLTextAreaElement | null>;
}) {
  const gutter = useRef<HTMLDivElement>(null);
  const count = value.split('\n').length;
  return (
    <div className="code-editor">
      <div className="gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: count }, (_, i) => (
          <div key={i} className={badLines.has(i + 1) ? 'bad' : undefined}>
            {i + 1}
          </div>
        ))}
      </div>
      <textarea
        id={id}
        ref={editorRef}
        value={value}
        rows={Math.max(12, count + 1)}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value)}
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
  );
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
