// The filters: an input per filtered field of the record, as the collector's schema lists them
// (GET /v1/schema), before free text. An empty input shows a hint of what to type, never
// something that reads as a value; the label stays for screen readers and as the tooltip.

/** What an empty input shows: the schema's hint, else the label and an ellipsis. */
export const hintOf = (filter) => filter.hint || `${filter.label}…`;

/** Add the schema's filters to the form; false when the collector did not say which there are. */
export async function addFieldFilters(form) {
  let schema;
  try {
    schema = await (await fetch('/v1/schema')).json();
  } catch {
    return false;
  }
  const text = form.querySelector('#text');
  for (const { filter } of schema.fields) {
    if (!filter) continue;
    const label = document.createElement('label');
    const name = document.createElement('span');
    name.textContent = filter.label;
    const input = document.createElement('input');
    input.name = filter.param;
    input.placeholder = hintOf(filter);
    input.title = `${filter.label}: ${filter.help}`;
    label.append(name, input);
    text.before(label);
  }
  return true;
}

/** The filled-in filters, as query parameters. */
export function filtersOf(form) {
  const p = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (String(v).trim()) p.set(k, String(v).trim());
  return p;
}

/** Each input at least as wide as its hint, so the hint reads in full; the line's spare width is shared out (app.css). */
export function fitHints(form) {
  const context = document.createElement('canvas').getContext('2d');
  for (const input of form.querySelectorAll('input')) {
    const style = getComputedStyle(input);
    context.font = `${getComputedStyle(input, '::placeholder').fontStyle} ${style.fontSize} ${style.fontFamily}`;
    const edges = ['paddingLeft', 'paddingRight', 'borderLeftWidth', 'borderRightWidth'].reduce((n, k) => n + parseFloat(style[k]), 0);
    input.parentElement.style.minWidth = `${Math.ceil(context.measureText(input.placeholder).width + edges) + 1}px`;
  }
}
