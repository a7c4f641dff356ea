/**
 * The link's part of the page, as a Lit ReactiveController of the playground: the URL hash carries
 * the running configuration (playground-config.ts). A hash the user opens or edits starts that
 * setup, with a notice naming whatever could not be used; the running configuration is written
 * back without adding a history entry.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { configFromHash, configToHash, type PlaygroundConfig } from './playground-config';

/** Starts a new run of `config`; `reason` is what the status line says once it runs. */
type StartRun = (config: PlaygroundConfig, reason: string) => Promise<void>;

export class UrlState implements ReactiveController {
  /** What the link asked for that could not be used (empty when all of it was). */
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
    this.notice =
      problems.length > 0
        ? `The link's settings could not all be used, so defaults stand in for them: ${problems.map((p) => `${p.field}: ${p.message}`).join(' ')}`
        : '';
    this.host.requestUpdate();
    await this.startRun(config, problems.length > 0 ? 'Started with defaults where the link was invalid.' : hash.length > 1 ? 'Started the setup from the link.' : 'Ready: press Play to train.');
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
