/**
 * What the training-loop tests share: a Lit host that renders nothing, and 60 Hz animation frames
 * on Vitest's fake clock, so a test lets seconds of frames pass at once.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** A host that accepts the loop as its controller and renders nothing. */
export const host: ReactiveControllerHost = {
  addController(_controller: ReactiveController) {},
  removeController() {},
  requestUpdate() {},
  updateComplete: Promise.resolve(true),
};

/** Puts every test of the calling file on the fake clock, with its animation frames. */
export function useFakeFrames(): void {
  beforeEach(() => {
    // Node has no animation frames: placeholders, which the fake clock then replaces with its own 60 Hz ones.
    vi.stubGlobal('requestAnimationFrame', () => 0);
    vi.stubGlobal('cancelAnimationFrame', () => undefined);
    vi.useFakeTimers({ toFake: ['requestAnimationFrame', 'cancelAnimationFrame', 'performance', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
}

/** Lets `seconds` of 60 Hz frames pass, with the promises of each frame settled before the next. */
export async function runFrames(seconds: number): Promise<void> {
  for (let frame = 0; frame < Math.round(seconds * 60); frame++) await vi.advanceTimersByTimeAsync(1000 / 60);
}
