/**
 * The Sweep view's process, as a Lit ReactiveController of <sweep-view>: it reads the form, starts
 * a sweep of the main view's network (src/train/sweep-run.ts) only once every check has passed,
 * so a refused one leaves the running sweep as it was, advances the running sweep once per frame
 * while Play is on, and keeps the setup in the address (`?sweep=`, beside the main view's `#`).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { DataSource } from '../data/source';
import type { Dataset } from '../model/dataset';
import type { NetworkSpec } from '../model/spec';
import { defaultSweepSetup, parseSweepSetup, validateSweepSetup, type SweepSettingName, type SweepSetup } from '../model/sweep';
import type { ValidationProblem } from '../model/validate';
import { SweepRefusal, SweepRun } from '../train/sweep-run';
import { errorText } from './error-text';

/** What a sweep varies: the main view's running network, its data source and its dataset. */
export interface SweepBase {
  /** The network every cell varies. */
  spec: NetworkSpec;
  /** Where its data comes from (a clicked cell's run opens on it). */
  data: DataSource;
  /** The data every run trains on. */
  dataset: Dataset;
  /** Where it trains. */
  backend: 'webgpu' | 'cpu';
}

/** The form's fields, as typed: a value the user typed is kept as text until it is checked, so a non-number can be named. */
export type SweepForm = Record<SweepFormField, string>;
/** Every field of the form, named as the problems of src/model/sweep.ts name them. */
const SWEEP_FORM_FIELDS = ['x.setting', 'x.from', 'x.to', 'x.count', 'y.setting', 'y.from', 'y.to', 'y.count', 'steps', 'seedsPerCell', 'threshold'] as const;
export type SweepFormField = (typeof SWEEP_FORM_FIELDS)[number];

/** The address parameter that holds the sweep's setup. */
const SWEEP_PARAMETER = 'sweep';

/** The form showing `setup`. */
function formOf(setup: SweepSetup): SweepForm {
  return {
    'x.setting': setup.x.setting,
    'x.from': String(setup.x.from),
    'x.to': String(setup.x.to),
    'x.count': String(setup.x.count),
    'y.setting': setup.y.setting,
    'y.from': String(setup.y.from),
    'y.to': String(setup.y.to),
    'y.count': String(setup.y.count),
    steps: String(setup.steps),
    seedsPerCell: String(setup.seedsPerCell),
    threshold: String(setup.threshold),
  };
}

/** The setup the form describes, or every problem with it, each under its field. */
export function readForm(form: SweepForm): { setup: SweepSetup; problems: [] } | { setup: null; problems: ValidationProblem[] } {
  const problems: ValidationProblem[] = [];
  const number = (field: SweepFormField): number => {
    const text = form[field].trim();
    const value = Number(text);
    // Number('') is 0: a blank field is not a number either.
    if (text === '' || !Number.isFinite(value)) problems.push({ field, message: `Expected a number, got ${JSON.stringify(form[field])}.` });
    return value;
  };
  const setting = (field: SweepFormField): SweepSettingName => form[field] as SweepSettingName;
  const setup: SweepSetup = {
    x: { setting: setting('x.setting'), from: number('x.from'), to: number('x.to'), count: number('x.count') },
    y: { setting: setting('y.setting'), from: number('y.from'), to: number('y.to'), count: number('y.count') },
    steps: number('steps'),
    seedsPerCell: number('seedsPerCell'),
    threshold: number('threshold'),
  };
  // A field that is not a number is named once, not again by the range checks.
  const unreadable = new Set(problems.map((p) => p.field));
  problems.push(...validateSweepSetup(setup).filter((p) => !unreadable.has(p.field)));
  return problems.length > 0 ? { setup: null, problems } : { setup, problems: [] };
}

export class SweepController implements ReactiveController {
  /** The form as typed. */
  form: SweepForm = formOf(defaultSweepSetup());
  /** What is wrong with the form or the last sweep asked for, under the fields concerned. */
  problems: ValidationProblem[] = [];
  /** The status line: what happened, and what the user can do. */
  status = 'Set the axes and press Start: each cell trains MSE and cross-entropy from the same weights and batches.';
  /** A standing note about what the address's sweep could not use. */
  notice = '';
  /** The sweep running or paused; null before the first and after Reset. */
  sweep: SweepRun | null = null;
  /** What the running sweep varies (for the cells' runs). */
  base: SweepBase | null = null;
  /** Whether Play is on for the sweep. */
  playing = false;
  /** A Start being checked and opened: a second one waits for the answer. */
  private starting = false;
  private frame = 0;
  private advancing = false;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
    this.readAddress();
  }

  hostDisconnected(): void {
    cancelAnimationFrame(this.frame);
    void this.sweep?.dispose();
    this.sweep = null;
  }

  /** Sets one field of the form as typed. */
  edit(field: SweepFormField, value: string): void {
    this.form = { ...this.form, [field]: value };
    this.host.requestUpdate();
  }

  /**
   * Starts a sweep of the form's setup over `base`. Every check runs first (the form, the cells
   * against the network and data, every group against the device's limits); a refused sweep shows
   * its problems and leaves a running one exactly as it was.
   */
  async start(base: SweepBase | null): Promise<void> {
    if (this.starting) return;
    const read = readForm(this.form);
    if (!read.setup) return this.refuse(read.problems, 'Not started');
    if (!base) return this.show('Not started: the main view has no network yet; wait until it shows "press Play".');
    this.starting = true;
    this.show('Checking the sweep against the network, the data and this device…');
    try {
      const next = await SweepRun.start({ setup: read.setup, base: base.spec, dataset: base.dataset, backend: base.backend });
      next.onError = (error) => {
        if (this.sweep !== next) return;
        this.playing = false;
        this.show(`The GPU reported ${error.kind === 'validation' ? 'a validation' : `an ${error.kind}`} error, so the sweep paused: ${error.message}`);
      };
      const old = this.sweep;
      this.sweep = next;
      this.base = base;
      this.problems = [];
      this.playing = true;
      void old?.dispose();
      this.writeAddress(read.setup);
      this.show(`Sweep started: ${next.cells.length} cells, ${next.runs.length} runs of ${read.setup.steps} steps${next.groups.length > 1 ? `, in ${next.groups.length} groups of one network shape each` : ''}.`);
      this.schedule();
    } catch (error) {
      if (error instanceof SweepRefusal) this.refuse(error.problems, 'Not started');
      else this.show(`Not started: ${errorText(error)}${this.sweep ? ' The running sweep goes on.' : ''}`);
    } finally {
      this.starting = false;
    }
  }

  /** Pauses the running sweep, or resumes it. */
  playToggle(): void {
    if (!this.sweep || this.sweep.finished) return;
    this.playing = !this.playing;
    this.show(this.playing ? 'Sweep resumed.' : 'Sweep paused: press Resume to go on.');
    this.schedule();
  }

  /** Pauses the sweep, saying why. */
  pause(reason: string): void {
    if (!this.playing) return;
    this.playing = false;
    this.show(reason);
  }

  /** Stops and forgets the sweep; the form keeps its setup. */
  reset(): void {
    const old = this.sweep;
    this.sweep = null;
    this.base = null;
    this.playing = false;
    void old?.dispose();
    this.show('Sweep reset: nothing runs. Press Start for a new one.');
  }

  private refuse(problems: ValidationProblem[], lead: string): void {
    this.problems = problems;
    this.show(`${lead}: ${problems.length === 1 ? 'a setting needs' : `${problems.length} settings need`} fixing (shown next to ${problems.length === 1 ? 'it' : 'them'}).${this.sweep ? ' The running sweep goes on unchanged.' : ''}`);
  }

  private show(status: string): void {
    this.status = status;
    this.host.requestUpdate();
  }

  private schedule(): void {
    cancelAnimationFrame(this.frame);
    if (this.playing) this.frame = requestAnimationFrame(() => void this.tick());
  }

  /** One frame: the running sweep advances a little, the view redraws. */
  private async tick(): Promise<void> {
    const sweep = this.sweep;
    if (!sweep || !this.playing) return;
    if (!this.advancing) {
      this.advancing = true;
      try {
        await sweep.advance();
        if (sweep === this.sweep && sweep.finished) {
          this.playing = false;
          this.show(`Sweep finished: ${sweep.runs.length} runs of ${sweep.options.setup.steps} steps. Click a cell to open its run in the main view.`);
        }
      } catch (error) {
        if (sweep === this.sweep) {
          this.playing = false;
          this.show(`The sweep stopped: ${errorText(error)}`);
        }
      } finally {
        this.advancing = false;
      }
      this.host.requestUpdate();
    }
    this.schedule();
  }

  /** The setup the address carries, shown in the form; what it gets wrong is named in the notice and defaults stand in. */
  private readAddress(): void {
    const text = new URLSearchParams(location.search).get(SWEEP_PARAMETER);
    if (text === null) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.notice = "The link's sweep is not valid JSON, so the default sweep stands in.";
      return;
    }
    const parsed = parseSweepSetup(value);
    if (parsed.setup) this.form = formOf(parsed.setup);
    else this.notice = `The link's sweep could not be used, so the default sweep stands in: ${parsed.problems.slice(0, 3).map((p) => `${p.field}: ${p.message}`).join(' ')}`;
  }

  /**
   * Puts the sweep in the address while the Sweep view shows (the form's setup, or the defaults
   * while the form is invalid) and takes it out when the main view shows.
   */
  showInAddress(shown: boolean): void {
    if (!shown) return this.writeAddress(null);
    this.writeAddress(this.sweep?.options.setup ?? readForm(this.form).setup ?? defaultSweepSetup());
  }

  /** Makes the address carry `setup` (none for null), leaving the main view's part (`#…`) as it is. */
  private writeAddress(setup: SweepSetup | null): void {
    const params = new URLSearchParams(location.search);
    if (setup) params.set(SWEEP_PARAMETER, JSON.stringify(setup));
    else params.delete(SWEEP_PARAMETER);
    const query = params.toString();
    window.history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
  }
}

/** Whether the address asks for the Sweep view (it carries a sweep). */
export function addressShowsSweep(): boolean {
  return new URLSearchParams(location.search).has(SWEEP_PARAMETER);
}
