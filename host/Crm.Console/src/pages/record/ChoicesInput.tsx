import type { EntityFieldInfo } from '../../metadata/types';

// The editor of a field that holds several of its own items (a multiple enumeration): one box per
// item, in the field's order, ticked for those held. The ids ticked are written, in that order, as
// the API replaces the whole list.

export function ChoicesInput({
  field,
  chosen,
  onChange,
  id,
  invalid,
  describedBy,
}: {
  field: EntityFieldInfo;
  /** The ids of the items ticked. */
  chosen: string[];
  onChange: (chosen: string[]) => void;
  id: string;
  invalid: boolean;
  describedBy?: string;
}) {
  const toggle = (item: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(item);
    else next.delete(item);
    onChange(field.options.map((o) => o.id).filter((o) => next.has(o)));
  };
  return (
    <div className="composite-input choices" id={id} role="group" aria-label={field.label} aria-describedby={describedBy} aria-invalid={invalid || undefined}>
      {field.options.map((o) => (
        <label key={o.id} className="check">
          <input type="checkbox" name={field.name} value={o.id} checked={chosen.includes(o.id)} onChange={(e) => toggle(o.id, e.target.checked)} />
          {o.value}
        </label>
      ))}
    </div>
  );
}
