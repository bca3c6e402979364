/** A piece of markup that is already safe to insert; everything else interpolated into `html` is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** Marks trusted markup (our own rendered SVG, CSS) as safe. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

type Interpolation = SafeHtml | string | number | null | undefined | false | readonly Interpolation[];

/**
 * Template tag for markup: strings and numbers are escaped, `SafeHtml` is inserted as is, arrays are
 * concatenated, and null / undefined / false insert nothing (so `${cond && html`…`}` works).
 */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, i) => {
    out += flatten(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}

function flatten(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: Interpolation) => flatten(v)).join('');
  return escapeHtml(String(value));
}

/** A readable, stable fragment id from any text ("KDDTest+" → "kddtest-plus"). */
export function slug(text: string): string {
  const base = text
    .toLowerCase()
    .replace(/\+/g, '-plus')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return base || 'x';
}
