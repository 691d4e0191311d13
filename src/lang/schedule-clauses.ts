// Schedules: `every`, `cron` or `at` on the file (a setting line) or on a
// top-level item, with `tz`, `overlap` and `catchup`. File-level tz/overlap/
// catchup also serve as defaults for the items' schedules.
import { checkCron, checkZone as checkZoneName, everyProblem } from "../core/recurrence.js";
import type { CatchupPolicy, OverlapPolicy, ScheduleSpec } from "../core/types.js";
import type { Modifier, Word } from "./ast.js";
import type { Span } from "./diagnostics.js";
import { didYouMean } from "./suggest.js";
import { parseAt, parseChoice, parseDuration } from "./values.js";

export const SCHEDULE_MODS = new Set<Modifier["kind"]>(["every", "cron", "at", "tz", "overlap", "catchup"]);
const TRIGGERS = new Set<Modifier["kind"]>(["every", "cron", "at"]);
const OVERLAP: readonly OverlapPolicy[] = ["skip", "queue", "allow", "replace"];
const CATCHUP: readonly CatchupPolicy[] = ["none", "once", "all"];

const value = (mods: Modifier[], kind: Modifier["kind"]): Word | undefined =>
  (mods.find((m) => m.kind === kind) as { value: Word } | undefined)?.value;

let zones: string[] | undefined;
/** The core's zone check, with the nearest known zone suggested. */
function checkZone(zone: string): string | undefined {
  const problem = checkZoneName(zone);
  if (!problem) return undefined;
  zones ??= Intl.supportedValuesOf("timeZone");
  return problem + didYouMean(zone, zones);
}

export class ScheduleCollector {
  readonly specs: ScheduleSpec[] = [];
  private readonly byJob = new Map<string, string>();
  private fileDefaults: Modifier[] = [];
  private fileHasSchedule = false;
  private fileSpec?: ScheduleSpec;

  constructor(
    private readonly file: string,
    private readonly jobset: string,
    private readonly report: (span: Span, message: string) => void,
  ) {}

  /** The file's setting lines: a file schedule (its jobs are filled in by `finishFile`) and defaults. */
  fileSettings(settings: Modifier[]): void {
    this.fileDefaults = settings.filter((m) => SCHEDULE_MODS.has(m.kind));
    this.checkOneTrigger(this.fileDefaults);
    const spec = this.build(settings, this.jobset, [], []);
    if (spec) {
      this.fileHasSchedule = true;
      this.fileSpec = spec;
      this.specs.push(spec);
    }
  }

  topItem(mods: Modifier[], name: string, jobKeys: string[]): void {
    if (this.fileSpec) {
      this.fileSpec.jobs.push(...jobKeys);
      for (const k of jobKeys) this.byJob.set(k, this.fileSpec.name);
    }
    const own = mods.filter((m) => SCHEDULE_MODS.has(m.kind));
    if (!own.length) return;
    if (this.fileHasSchedule) {
      const m = own.find((x) => TRIGGERS.has(x.kind)) ?? own[0]!;
      this.report(m.span, `this file already runs on a schedule (a file-level \`every\`/\`cron\`/\`at\`); \`${name}\` can't have its own`);
      return;
    }
    this.checkOneTrigger(own);
    if (!own.some((m) => TRIGGERS.has(m.kind))) {
      for (const m of own) this.report(m.span, `\`${m.kind}\` needs a schedule on the same line: \`every\`, \`cron\` or \`at\``);
      return;
    }
    const spec = this.build(mods, `${this.jobset}/${name}`, jobKeys, this.fileDefaults);
    if (!spec) return;
    this.specs.push(spec);
    for (const k of jobKeys) this.byJob.set(k, spec.name);
  }

  scheduleOfKey(key: string): string | undefined {
    return this.byJob.get(key);
  }

  private checkOneTrigger(mods: Modifier[]): void {
    const triggers = mods.filter((m) => TRIGGERS.has(m.kind));
    for (const extra of triggers.slice(1)) this.report(extra.span, `choose one of \`every\`, \`cron\` and \`at\` (\`${triggers[0]!.kind}\` is already given)`);
  }

  private build(mods: Modifier[], name: string, jobs: string[], defaults: Modifier[]): ScheduleSpec | undefined {
    const get = (kind: Modifier["kind"]) => value(mods, kind) ?? value(defaults, kind);
    const every = value(mods, "every");
    const cron = value(mods, "cron");
    const at = value(mods, "at");
    const trigger = mods.find((m) => TRIGGERS.has(m.kind));
    if (!trigger) return undefined;
    const tz = get("tz");
    const overlap = get("overlap");
    const catchup = get("catchup");
    const spec: ScheduleSpec = {
      name,
      jobs,
      overlap: "skip",
      catchup: "once",
      loc: { file: this.file, line: trigger.span.line, col: trigger.span.col },
    };
    let zoneOk = true;
    if (tz) {
      const err = checkZone(tz.text);
      if (err) {
        zoneOk = false;
        this.report(tz.span, err);
      } else spec.tz = tz.text;
    }
    if (overlap) {
      const p = parseChoice(overlap.text, "overlap policy", OVERLAP);
      if (p.ok) spec.overlap = p.value;
      else this.report(overlap.span, p.error);
    }
    if (catchup) {
      const p = parseChoice(catchup.text, "catch-up policy", CATCHUP);
      if (p.ok) spec.catchup = p.value;
      else this.report(catchup.span, p.error);
    }
    if (trigger.kind === "every" && every) {
      const d = parseDuration(every.text, "`every`");
      const problem = d.ok ? (d.value <= 0 ? "`every` needs a duration above zero" : everyProblem(d.value, every.text)) : d.error;
      if (problem) this.report(every.span, problem);
      else if (d.ok) spec.every = { ms: d.value, text: every.text };
    } else if (trigger.kind === "cron" && cron) {
      const err = checkCron(cron.text, zoneOk ? spec.tz : undefined);
      if (err) this.report(cron.span, err);
      else spec.cron = cron.text.trim();
    } else if (trigger.kind === "at" && at) {
      const p = parseAt(at.text);
      if (p.ok) spec.at = p.value;
      else this.report(at.span, p.error);
    }
    return spec;
  }
}
