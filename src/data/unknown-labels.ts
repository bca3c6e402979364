import type { Taxonomy } from './schema.js';

/** Lower case without whitespace, '-' or '_': "DDoS " and "ddos" match, "dos" and "ddos" do not. */
function loose(label: string): string {
  return label.toLowerCase().replace(/[\s_-]+/g, '');
}

/** The known label that `label` differs from only by case or spacing, if there is one. */
export function closestKnownLabel(label: string, taxonomy: Taxonomy): string | undefined {
  const wanted = loose(label);
  const known = [...taxonomy.normal, ...Object.keys(taxonomy.categories)];
  return known.find((k) => k !== label && loose(k) === wanted);
}

/**
 * One console line for the rows whose label the taxonomy does not know (they are left out, never guessed
 * into a class), most frequent first, each with the known label it probably means.
 */
export function describeUnknownLabels(
  split: string,
  unknown: Readonly<Record<string, number>>,
  taxonomy: Taxonomy | undefined,
): string | undefined {
  const entries = Object.entries(unknown).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return undefined;
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  const shown = entries.slice(0, 10).map(([label, n]) => {
    const near = taxonomy && closestKnownLabel(label, taxonomy);
    const hint = near === undefined ? '' : ` (did you mean "${near}"?)`;
    return `"${label}" ${n.toLocaleString('en-US')}${hint}`;
  });
  const more = entries.length > 10 ? `, … (${entries.length} labels in all)` : '';
  return (
    `${split}: ${total.toLocaleString('en-US')} rows left out because their label is not in the taxonomy: ` +
    `${shown.join(', ')}${more}. Add these labels to the schema's taxonomy to use them`
  );
}
