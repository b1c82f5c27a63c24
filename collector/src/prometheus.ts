// Prometheus text exposition (format 0.0.4): each metric with its HELP and TYPE lines.
export class Exposition {
  private readonly lines: string[] = [];

  /** A metric: one unlabelled value, or sample lines written out by the caller. */
  add(name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: number | string[]): this {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...(typeof samples === 'number' ? [`${name} ${samples}`] : samples));
    return this;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
