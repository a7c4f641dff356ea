/**
 * The page's keyboard shortcuts (listed in the transport panel), as a Lit ReactiveController:
 * Space plays or pauses, S steps once, L switches to the next loss, F forks the run into MSE and
 * cross-entropy branches, R resets. Keys typed into a
 * field, and Space on a focused control, keep their usual meaning.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** What the shortcut keys do. */
interface ShortcutActions {
  /** Space. */
  playToggle(): void;
  /** S. */
  stepOnce(): void;
  /** L. */
  toggleLoss(): void;
  /** F. */
  forkRun(): void;
  /** R. */
  reset(): void;
}

/** Input types that take no typing, so shortcut keys may act while one has focus. */
const NON_TEXT_INPUTS = new Set(['radio', 'checkbox', 'button', 'submit', 'reset', 'file']);

export class Shortcuts implements ReactiveController {
  constructor(
    host: ReactiveControllerHost,
    private readonly actions: ShortcutActions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener('keydown', this._onKeyDown);
  }

  hostDisconnected(): void {
    window.removeEventListener('keydown', this._onKeyDown);
  }

  private readonly _onKeyDown = (event: KeyboardEvent): void => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.composedPath()[0];
    if (target instanceof HTMLElement) {
      const isInput = target instanceof HTMLInputElement;
      const pressable = target.tagName === 'BUTTON' || (isInput && NON_TEXT_INPUTS.has(target.type));
      const typing = target.isContentEditable || ['TEXTAREA', 'SELECT'].includes(target.tagName) || (isInput && !pressable);
      // Space on a focused button, radio or checkbox already acts on that control.
      if (typing || (event.key === ' ' && pressable)) return;
    }
    const key = event.key.toLowerCase();
    if (key === ' ') this.actions.playToggle();
    else if (key === 's') this.actions.stepOnce();
    else if (key === 'l') this.actions.toggleLoss();
    else if (key === 'f') this.actions.forkRun();
    else if (key === 'r') this.actions.reset();
    else return;
    event.preventDefault();
  };
}
