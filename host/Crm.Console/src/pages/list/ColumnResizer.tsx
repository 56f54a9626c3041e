import { useI18n } from '../../i18n';

/** The API's bounds on a view column's width (ViewColumnInput.width): the console keeps within them. */
export const minColumnWidth = 20;
export const maxColumnWidth = 2000;
/** How far one arrow key moves a column's edge (Shift: five times as far). */
const keyStep = 10;

const clamp = (width: number) => Math.round(Math.min(maxColumnWidth, Math.max(minColumnWidth, width)));

/** The inline style of a column of a chosen width: exactly that wide, longer values cut with an ellipsis. */
export function columnStyle(width: number | undefined) {
  return width ? { width, minWidth: width, maxWidth: width, overflow: 'hidden', textOverflow: 'ellipsis' } : undefined;
}

/**
 * The right edge of a column header: dragged with the mouse (or a finger), or focused and moved with
 * the arrow keys (a separator, as screen readers know it, saying the width in pixels); Delete gives
 * the width back to the table.
 */
export function ColumnResizer({ label, width, onResize }: { label: string; width: number | undefined; onResize: (width: number | undefined) => void }) {
  const { t } = useI18n();
  /** The header's width now: the chosen one, else the one the table gave it. */
  const current = (handle: HTMLElement) => width ?? handle.parentElement!.getBoundingClientRect().width;
  return (
    <span
      className="column-resizer"
      role="separator"
      aria-orientation="vertical"
      aria-label={t('list.resizeColumn', { name: label })}
      aria-valuenow={width ? Math.round(width) : undefined}
      aria-valuemin={minColumnWidth}
      aria-valuemax={maxColumnWidth}
      tabIndex={0}
      onPointerDown={(e) => {
        e.preventDefault();
        const handle = e.currentTarget;
        const startX = e.clientX;
        const start = current(handle);
        handle.setPointerCapture(e.pointerId);
        const move = (m: PointerEvent) => onResize(clamp(start + m.clientX - startX));
        const up = () => {
          handle.removeEventListener('pointermove', move);
          handle.removeEventListener('pointerup', up);
          handle.removeEventListener('pointercancel', up);
        };
        handle.addEventListener('pointermove', move);
        handle.addEventListener('pointerup', up);
        handle.addEventListener('pointercancel', up);
      }}
      onKeyDown={(e) => {
        const step = (e.shiftKey ? 5 : 1) * keyStep;
        if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
          e.preventDefault();
          onResize(clamp(current(e.currentTarget) + (e.key === 'ArrowRight' ? step : -step)));
        } else if (e.key === 'Delete' || e.key === 'Backspace') {
          e.preventDefault();
          onResize(undefined);
        }
      }}
    />
  );
}
