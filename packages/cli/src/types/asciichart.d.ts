// asciichart ships no type declarations; this covers the part runlens uses.
declare module 'asciichart' {
  interface PlotConfig {
    min?: number;
    max?: number;
    offset?: number;
    padding?: string;
    height?: number;
    colors?: string[];
    symbols?: string[];
    format?: (value: number, index: number) => string;
  }
  const asciichart: {
    plot(series: number[] | number[][], config?: PlotConfig): string;
  };
  export = asciichart;
}
