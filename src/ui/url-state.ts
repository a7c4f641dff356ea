/**
 * The link's part of the page, as a Lit ReactiveController of the playground: the URL hash carries
 * the running configuration (playground-config.ts). A hash the user opens or edits starts that
 * setup, with a notice naming whatever could not be used and whatever was changed to fit the
 * dataset; the running configuration is written back without adding a history entry.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ValidationProblem } from '../model/validate';
import { configFromHash, configToHash, type PlaygroundConfig } from './playground-config';

/** What the status line says once a link's run starts. */
interface LinkReasons {
  /** When the whole link was used as it is. */
  reason: string;
  /** When some of its settings were changed to fit its dataset (the notice names them). */
  adjustedReason: string;
}

/**
 * Starts a new run of `config`, its spec fitted to its dataset; resolves with the settings that
 * fitting changed (fields of the spec), empty when none were or when the run did not start.
 */
type StartRun = (config: PlaygroundConfig, reasons: LinkReasons) => Promise<ValidationProblem[]>;

/** Problems a notice lists in full; the rest are counted. A link can hold thousands. */
const NOTICE_PROBLEMS = 5;
/** Longest field name a notice quotes: a link's keys are the user's text, of any length. */
const NOTICE_FIELD_CHARS = 60;
/** Longest problem message a notice quotes (messages quote the values they refuse). */
const NOTICE_MESSAGE_CHARS = 200;

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** `problems` after `lead`, the first few in full and the others counted, each clipped to a readable length. */
function problemList(lead: string, problems: readonly ValidationProblem[]): string {
  const shown = problems.slice(0, NOTICE_PROBLEMS).map((p) => `${clip(p.field, NOTICE_FIELD_CHARS)}: ${clip(p.message, NOTICE_MESSAGE_CHARS)}`);
  const more = problems.length - shown.length;
  return `${lead} ${shown.join(' ')}${more > 0 ? ` …and ${more} more ${more === 1 ? 'problem' : 'problems'}.` : ''}`;
}

/** The notice for a link: what could not be used, and what was changed to fit its dataset; empty when neither. */
function linkNotice(problems: readonly ValidationProblem[], adjusted: readonly ValidationProblem[]): string {
  const parts: string[] = [];
  if (problems.length > 0) parts.push(problemList("The link's settings could not all be used, so defaults stand in for them:", problems));
  if (adjusted.length > 0) parts.push(problemList("Some of the link's settings did not fit its dataset and were changed:", adjusted));
  return parts.join(' ');
}

export class UrlState implements ReactiveController {
  /** What the link asked for that could not be used, and what was changed to fit its dataset (empty when all of it was used as it is). */
  notice = '';
  /** The hash this page wrote last, so its own change is not read back as the user's. */
  private writtenHash = '';

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly startRun: StartRun,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener('hashchange', this._onHashChange);
  }

  hostDisconnected(): void {
    window.removeEventListener('hashchange', this._onHashChange);
  }

  /** Starts the setup `hash` describes, defaults standing in for what it gets wrong. */
  async load(hash: string): Promise<void> {
    const { config, problems } = configFromHash(hash);
    this.notice = linkNotice(problems, []);
    this.host.requestUpdate();
    const isLink = hash.length > 1;
    const reason = problems.length > 0 ? 'Started with defaults where the link was invalid.' : isLink ? 'Started the setup from the link.' : 'Ready: press Play to train.';
    const adjustedReason = !isLink
      ? reason
      : problems.length > 0
        ? `${reason} Other settings were changed to fit the dataset (see the notice).`
        : 'Started from the link, with settings changed to fit its dataset (see the notice).';
    const adjusted = await this.startRun(config, { reason, adjustedReason });
    // Nothing when a newer link replaced this one meanwhile: that one's notice stands.
    if (isLink && adjusted.length > 0) {
      this.notice = linkNotice(
        problems,
        adjusted.map((change) => ({ field: `spec.${change.field}`, message: change.message })),
      );
      this.host.requestUpdate();
    }
  }

  /** Makes the address describe `config`. */
  write(config: PlaygroundConfig): void {
    const hash = configToHash(config);
    this.writtenHash = hash;
    if (location.hash !== hash) window.history.replaceState(null, '', hash);
  }

  /** The link for `config`, to share. */
  linkTo(config: PlaygroundConfig): string {
    return `${location.origin}${location.pathname}${configToHash(config)}`;
  }

  private readonly _onHashChange = (): void => {
    if (location.hash !== this.writtenHash) void this.load(location.hash);
  };
}
