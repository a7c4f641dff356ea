/**
 * Helpers for the playground's browser tests: reading the page through its documented test hook
 * (`debugSnapshot()` on <mlp-playground>) and its panels, never through private state.
 */
import type { Page } from 'puppeteer';
import type { LossName } from '../../src/model/losses';
import type { GuardCondition, NonFiniteFault } from '../../src/train/guarded-session';
import { openPage, type BrowserFixture } from './browser';

/** Opens the playground at `path` (e.g. "/" or "/#spec=…") once its element is defined. */
export async function openPlayground(fixture: BrowserFixture, path: string): Promise<Page> {
  const page = await openPage(fixture, path);
  await page.waitForFunction(() => customElements.get('mlp-playground') !== undefined, { timeout: 15_000 });
  return page;
}

/** What `MlpPlayground.debugSnapshot()` returns. */
export interface PlaygroundSnapshot {
  step: number;
  loss: LossName;
  parameters: number[];
  recordedSteps: number;
  /** The newest row of the history, or null before the first step. */
  lastRecorded: { step: number; losses: { mse: number }; globalGradNorm: number } | null;
  switches: { step: number; loss: LossName }[];
  backend: 'webgpu' | 'cpu' | 'wasm';
  /** What the run's GuardedSession holds. */
  guard: { condition: GuardCondition; fault: NonFiniteFault | null; lastGoodStep: number | null; lastGoodParameters: number[] | null };
  /** While the run is forked: the fork step and each branch's loss, name, step, parameters and recorded steps; else null. */
  fork: { step: number; branches: { loss: LossName; label: string; step: number; parameters: number[]; recordedSteps: number }[] } | null;
}

export function snapshot(page: Page): Promise<PlaygroundSnapshot> {
  return page.evaluate(() => (document.querySelector('mlp-playground') as unknown as { debugSnapshot(): Promise<PlaygroundSnapshot> }).debugSnapshot());
}

/** Text of the status line (aria-live). */
export function statusText(page: Page): Promise<string> {
  return page.evaluate(() => document.querySelector('mlp-playground')?.shadowRoot?.querySelector('[data-testid=status]')?.textContent?.trim() ?? '');
}

/** x positions each chart draws (CurvesPanel.drawnLengths). */
export function curveLengths(page: Page): Promise<{ loss: number; gradients: number; accuracy: number }> {
  return page.evaluate(() => {
    const curves = document.querySelector('mlp-playground')?.shadowRoot?.querySelector('curves-panel') as unknown as {
      drawnLengths(): { loss: number; gradients: number; accuracy: number };
    };
    return curves.drawnLengths();
  });
}

/** Waits until the run has a session and at least `steps` recorded steps. */
export async function waitForRecordedSteps(page: Page, steps: number, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    async (wanted: number) => {
      const element = document.querySelector('mlp-playground') as unknown as { debugSnapshot(): Promise<{ recordedSteps: number }> } | null;
      try {
        return (await element!.debugSnapshot()).recordedSteps >= wanted;
      } catch {
        return false;
      }
    },
    { polling: 100, timeout },
    steps,
  );
}

/** Waits until the status line contains `text`. */
export async function waitForStatus(page: Page, text: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    (wanted: string) => document.querySelector('mlp-playground')?.shadowRoot?.querySelector('[data-testid=status]')?.textContent?.includes(wanted) ?? false,
    { polling: 100, timeout },
    text,
  );
}

/** Clicks the control whose accessible name is `name` (buttons, radios), through shadow roots. */
export async function clickByName(page: Page, name: string): Promise<void> {
  const control = await page.waitForSelector(`::-p-aria(${name})`, { timeout: 30_000 });
  if (!control) throw new Error(`no control named ${name}`);
  await control.click();
}

/** Replaces the value of the input named `name` and commits it (a change event, as on Tab). */
export async function setInput(page: Page, name: string, value: string): Promise<void> {
  const input = await page.waitForSelector(`::-p-aria(${name})`, { timeout: 30_000 });
  if (!input) throw new Error(`no input named ${name}`);
  await input.click({ count: 3 });
  await page.keyboard.press('Backspace');
  await input.type(value);
  await page.keyboard.press('Tab');
}

/**
 * Waits until the GPU check panel shows a report, up to `timeout` ms. On SwiftShader the check
 * builds every product variant's pipelines, minutes on a loaded machine: longer than one protocol
 * call may last, so it waits a minute at a time.
 */
export async function waitForCheckReport(page: Page, timeout = 280_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      await page.waitForFunction(
        () => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('gpu-check-panel')!.shadowRoot!.querySelector('[data-testid=check-kind]') !== null,
        { polling: 200, timeout: Math.min(60_000, Math.max(1, deadline - Date.now())) },
      );
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
  }
}

/** A narrow screen, in CSS pixels: the panels stack there (tests/browser/ui-narrow.test.ts). */
export const NARROW_VIEWPORT = { width: 420, height: 900 };

/**
 * Every drawn element wider than the viewport or past its left or right edge, named with its tag,
 * id or class and its box: through every shadow root.
 */
export function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const limit = document.documentElement.clientWidth;
    const found: string[] = [];
    const visit = (root: ParentNode, path: string) => {
      for (const element of root.querySelectorAll('*')) {
        const box = element.getBoundingClientRect();
        const name = `${path}${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${typeof element.className === 'string' && element.className ? `.${element.className.split(' ')[0]}` : ''}`;
        // Half a pixel for sub-pixel layout; a box of no size is not drawn.
        if (box.width > 0 && (box.width > limit + 0.5 || box.right > limit + 0.5 || box.left < -0.5)) {
          found.push(`${name} [${Math.round(box.left)}, ${Math.round(box.right)}] width ${Math.round(box.width)}`);
        }
        // Text or children running out of a box that does not scroll them widen the page as much.
        if (element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0 && getComputedStyle(element).overflowX === 'visible') {
          found.push(`${name}: content ${element.scrollWidth} px wide in a box of ${element.clientWidth}`);
        }
        if (element.shadowRoot) visit(element.shadowRoot, `${name} > `);
      }
    };
    visit(document, '');
    if (document.documentElement.scrollWidth > limit) found.push(`the document scrolls sideways: ${document.documentElement.scrollWidth} > ${limit}`);
    return found;
  });
}

/** Resolves after `count` animation frames of the page: what a resize sets off has been drawn. */
export function afterFrames(page: Page, count: number): Promise<void> {
  return page.evaluate(
    (frames) =>
      new Promise<void>((resolve) => {
        const next = (left: number) => (left === 0 ? resolve() : requestAnimationFrame(() => next(left - 1)));
        next(frames);
      }),
    count,
  );
}

/** What the pixels of one chart canvas show. */
export interface ChartPixels {
  /** Pixels close to the MSE curve colour. */
  msePixels: number;
  /** Pixels close to the cross-entropy curve colour. */
  crossEntropyPixels: number;
  /** Longest unbroken run of near-black pixels in one pixel column, as a fraction of the plot area's height (a switch marker spans the plot). */
  tallestDarkRun: number;
}

/**
 * Reads the canvases of the curves panel. Colours are the panel's MSE (#d9480f) and
 * cross-entropy (#1c64d9) strokes, matched within ±40 per channel for anti-aliasing.
 */
export function chartPixels(page: Page): Promise<Record<'loss' | 'gradients' | 'accuracy', ChartPixels>> {
  return page.evaluate(() => {
    const curves = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('curves-panel')!;
    const near = (data: Uint8ClampedArray, i: number, rgb: number[]) => rgb.every((c, k) => Math.abs(data[i + k] - c) <= 40) && data[i + 3] > 200;
    const read = (id: string) => {
      const canvas = curves.shadowRoot!.querySelector(`#${id} canvas`) as HTMLCanvasElement;
      const { width, height } = canvas;
      const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
      let msePixels = 0;
      let crossEntropyPixels = 0;
      const run = new Array<number>(width).fill(0);
      let tallest = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = 4 * (y * width + x);
          if (near(data, i, [217, 72, 15])) msePixels++;
          if (near(data, i, [28, 100, 217])) crossEntropyPixels++;
          const dark = data[i] < 60 && data[i + 1] < 60 && data[i + 2] < 60 && data[i + 3] > 200;
          run[x] = dark ? run[x] + 1 : 0;
          tallest = Math.max(tallest, run[x]);
        }
      }
      // uPlot's .u-over element covers exactly the plot area, in CSS pixels.
      const plotHeight = (curves.shadowRoot!.querySelector(`#${id} .u-over`) as HTMLElement).clientHeight * devicePixelRatio;
      return { msePixels, crossEntropyPixels, tallestDarkRun: tallest / plotHeight };
    };
    return { loss: read('loss'), gradients: read('gradients'), accuracy: read('accuracy') };
  });
}

/** The saturation panel's count of confidently wrong outputs and their mean |∂L/∂z| per loss (SaturationPanel.confidentlyWrong). */
export function confidentlyWrong(page: Page): Promise<{ count: number; meanDelta: Record<LossName, number> }> {
  return page.evaluate(() => {
    const panel = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('saturation-panel') as unknown as {
      confidentlyWrong(): { count: number; meanDelta: Record<LossName, number> };
    };
    return panel.confidentlyWrong();
  });
}

/** What the fault panel shows: whether its box is drawn at all, and the text of its alert (null when it has none). */
export interface FaultPanelView {
  /** Height of the panel's box in CSS pixels: 0 when nothing is drawn. */
  height: number;
  /** Text of its role=alert element, whitespace collapsed; null when there is none. */
  alert: string | null;
}

export function faultPanel(page: Page): Promise<FaultPanelView> {
  return page.evaluate(() => {
    const panel = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('fault-panel')!;
    const alert = panel.shadowRoot?.querySelector('[role=alert]');
    return { height: panel.getBoundingClientRect().height, alert: alert ? (alert.textContent ?? '').replace(/\s+/g, ' ').trim() : null };
  });
}

/** Waits until the fault panel shows an alert, and returns it. */
export async function waitForFault(page: Page, timeout = 60_000): Promise<FaultPanelView> {
  await page.waitForFunction(() => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('fault-panel')!.shadowRoot?.querySelector('[role=alert]') != null, {
    polling: 100,
    timeout,
  });
  return faultPanel(page);
}

/** Text of every live region of the page (role alert or status, or aria-live), through shadow roots, whitespace collapsed. */
export function liveRegionTexts(page: Page): Promise<{ role: string; text: string }[]> {
  return page.evaluate(() => {
    const found: { role: string; text: string }[] = [];
    const visit = (root: ParentNode) => {
      for (const element of root.querySelectorAll('*')) {
        const role = element.getAttribute('role') ?? (element.hasAttribute('aria-live') ? `aria-live=${element.getAttribute('aria-live')}` : null);
        if (role === 'alert' || role === 'status' || role?.startsWith('aria-live')) found.push({ role, text: (element.textContent ?? '').replace(/\s+/g, ' ').trim() });
        if (element.shadowRoot) visit(element.shadowRoot);
      }
    };
    visit(document);
    return found;
  });
}

/**
 * Commits new values to several controls one after the other, as fast as a user can: each in its
 * own task (the panels have drawn the one before, as they would have between two keystrokes), none
 * waiting for the one before to be applied. Each control is found by the text of its label
 * (through the panels' shadow roots), given the value and sent a change event, as on Tab.
 */
export async function commitInQuickSuccession(page: Page, edits: { label: string; value: string }[]): Promise<void> {
  await page.evaluate(async (changes: { label: string; value: string }[]) => {
    const find = (label: string) => {
      const labels: HTMLLabelElement[] = [];
      const visit = (root: ParentNode) => {
        for (const element of root.querySelectorAll('*')) {
          if (element instanceof HTMLLabelElement) labels.push(element);
          if (element.shadowRoot) visit(element.shadowRoot);
        }
      };
      visit(document.querySelector('mlp-playground')!.shadowRoot!);
      const owner = labels.find((l) => l.querySelector('span')?.textContent?.trim() === label);
      const control = owner?.querySelector('input, select') as HTMLInputElement | HTMLSelectElement | null;
      if (!control) throw new Error(`no control labelled ${label}`);
      return control;
    };
    for (const { label, value } of changes) {
      const control = find(label);
      control.value = value;
      control.dispatchEvent(new Event('change', { bubbles: true }));
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }, edits);
}
