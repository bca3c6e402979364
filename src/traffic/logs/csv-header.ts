/** Column positions of a headed CSV flow export (Argus `ra -c ,`, `nfdump -o csv`), looked up by name. */
export class CsvHeader {
  readonly count: number;
  private readonly positions = new Map<string, number>();

  constructor(line: string) {
    const names = line.split(',').map((name) => name.trim());
    this.count = names.length;
    names.forEach((name, i) => {
      if (!this.positions.has(name)) this.positions.set(name, i);
    });
  }

  /** Position of a column, -1 when absent. */
  of(name: string): number {
    return this.positions.get(name) ?? -1;
  }

  missing(required: readonly string[]): string[] {
    return required.filter((name) => !this.positions.has(name));
  }
}
