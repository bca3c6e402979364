const PALETTE = [
  '#ef4444',
  '#f59e0b',
  '#a78bfa',
  '#22d3ee',
  '#f472b6',
  '#34d399',
  '#60a5fa',
  '#facc15',
  '#fb923c',
  '#2dd4bf',
];
const OTHER = '#94a3b8';

/** One colour per attack class, in the model's class order, used by every panel. */
export class ClassColors {
  private readonly colors = new Map<string, string>();

  setClasses(classes: readonly string[]): void {
    this.colors.clear();
    classes.forEach((name, i) => this.colors.set(name, PALETTE[i % PALETTE.length]));
  }

  of(name: string): string {
    return this.colors.get(name) ?? OTHER;
  }
}
