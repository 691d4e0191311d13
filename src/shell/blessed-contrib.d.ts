// blessed-contrib 4.11 ships types that reject options it accepts (gauge
// `label`, numeric donut percents); this names only what the shell uses.
declare module "blessed-contrib" {
  import type { Widgets } from "blessed";

  export interface LineSeries {
    title: string;
    x: string[];
    y: number[];
    style?: { line?: string };
  }
  export interface LineElement extends Widgets.BoxElement {
    setData(series: LineSeries[]): void;
  }
  export interface GaugeElement extends Widgets.BoxElement {
    setPercent(percent: number): void;
    setStack(stack: { percent: number; stroke: string }[]): void;
  }
  export interface DonutElement extends Widgets.BoxElement {
    setData(data: { percent: number; label: string; color: string }[]): void;
  }
  type Options = Widgets.BoxOptions & Record<string, unknown>;

  const contrib: {
    line(options: Options): LineElement;
    gauge(options: Options): GaugeElement;
    donut(options: Options): DonutElement;
  };
  export default contrib;
}
