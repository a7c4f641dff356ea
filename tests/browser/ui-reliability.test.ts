/**
 * The page under faults, driven as a user would:
 * - divergence: a linear output trained with MSE at learning rate 100 overflows float32 within a
 *   few dozen steps; the page must pause at the first non-finite metric, name its step and layer,
 *   and offer a keyboard-operable Restore that brings back exactly the weights the guard kept, after
 *   which training goes on at a sane learning rate;
 * - device loss: the WebGPU device destroyed under a training page; the page must say so, recover
 *   on a new device from a snapshot no later than the loss, trim the curves to where it resumed,
 *   and keep counting steps, all without a reload;
 * - a device loss with no GPU to come back to: the page must say so and offer the CPU, which goes
 *   on from exactly the weights the guard kept;
 * - a validation error on the device: shown and training paused, never swallowed; Play goes on.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer';
import { configToHash, defaultConfig } from '../../src/ui/playground-config';
import { startBrowserFixture, type BrowserFixture } from './browser';
import { clickByName, openPlayground, setInput, snapshot, statusText, waitForRecordedSteps, waitForStatus } from './ui-page';

let fixture: BrowserFixture;

beforeAll(async () => {
  fixture = await startBrowserFixture();
});

afterAll(async () => {
  await fixture?.close();
});

declare global {
  interface Window {
    /** Every text the status line showed since recordStatusLine() ran. */
    statusLog?: string[];
    /** Set by the test before a fault; a reload would lose it. */
    reliabilityMarker?: string;
  }
}

/** Records every text of the status line: messages can follow each other faster than a poll. */
async function recordStatusLine(page: Page): Promise<void> {
  await page.evaluate(() => {
    const status = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('[data-testid=status]')!;
    window.statusLog = [status.textContent?.trim() ?? ''];
    new MutationObserver(() => window.statusLog!.push(status.textContent?.trim() ?? '')).observe(status, { subtree: true, childList: true, characterData: true });
  });
}

/** Whether the fault panel shows an alert. */
function faultAlertText(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const panel = document.querySelector('mlp-playground')!.shadowRoot!.querySelector('fault-panel')!;
    return panel.shadowRoot?.querySelector('[role=alert]')?.textContent?.replace(/\s+/g, ' ').trim() ?? null;
  });
}

/** The guard's fault and the newest history row, with their numbers reduced to finite or not (NaN and ∞ do not survive the trip out of the page). */
function faultReport(page: Page) {
  return page.evaluate(async () => {
    const element = document.querySelector('mlp-playground') as unknown as {
      debugSnapshot(): Promise<{
        lastRecorded: { step: number; losses: { mse: number }; globalGradNorm: number } | null;
        guard: { fault: { step: number; metric: string; layer: number | null; layerCount: number; value: number } | null };
      }>;
    };
    const state = await element.debugSnapshot();
    const fault = state.guard.fault;
    const last = state.lastRecorded;
    return {
      fault: fault ? { step: fault.step, metric: fault.metric, layer: fault.layer, layerCount: fault.layerCount, valueFinite: Number.isFinite(fault.value) } : null,
      lastRecorded: last ? { step: last.step, mseFinite: Number.isFinite(last.losses.mse), globalGradNormFinite: Number.isFinite(last.globalGradNorm) } : null,
    };
  });
}

describe('numerical divergence', () => {
  test('pauses at the first non-finite metric naming step and layer; Restore brings back the kept weights; training goes on', async () => {
    const config = defaultConfig();
    config.spec.outputActivation = 'linear';
    config.spec.loss = 'mse';
    config.spec.optimizer = { ...config.spec.optimizer, kind: 'sgd', learningRate: 0.05 };
    const page = await openPlayground(fixture, `/${configToHash(config)}`);
    await waitForStatus(page, 'Started the setup from the link');
    await page.evaluate(() => {
      window.reliabilityMarker = 'divergence';
    });

    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 30);
    // The learning rate applies live: the run goes on from its current weights, which the new guard
    // keeps as good. Its status line may last only a few steps before the fault replaces it.
    await setInput(page, 'Learning rate', '100');

    await page.waitForFunction(() => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('fault-panel')!.shadowRoot?.querySelector('[role=alert]') != null, {
      polling: 100,
      timeout: 60_000,
    });
    const report = await faultReport(page);
    const stopped = await snapshot(page);
    // The run really diverged: the newest recorded step is the faulty one, and its loss or gradient norm is not finite.
    expect(report.fault).not.toBeNull();
    const fault = report.fault!;
    expect(fault.valueFinite).toBe(false);
    expect(report.lastRecorded?.step).toBe(fault.step);
    expect(report.lastRecorded!.mseFinite && report.lastRecorded!.globalGradNormFinite).toBe(false);
    expect(stopped.guard.condition).toBe('non-finite');
    // What is kept are the weights carried over at the change, not the initial ones.
    expect(stopped.guard.lastGoodStep).toBeGreaterThanOrEqual(30);
    expect(fault.step).toBeGreaterThan(stopped.guard.lastGoodStep!);

    const status = await statusText(page);
    expect(status).toContain(`Step ${fault.step}:`);
    expect(status).toContain(`weight layer ${fault.layer ?? fault.layerCount} of ${fault.layerCount}`);
    expect(status).toContain('lower the learning rate (now 100)');
    // Paused: Play is offered again, and the step count stands still.
    await page.waitForSelector('::-p-aria(Play)', { timeout: 10_000 });
    const alert = await faultAlertText(page);
    expect(alert).toContain(`Step ${fault.step}:`);
    expect(alert).toContain(`back to step ${stopped.guard.lastGoodStep}`);

    // Restore with the keyboard alone.
    const kept = { step: stopped.guard.lastGoodStep!, parameters: stopped.guard.lastGoodParameters! };
    const restoreButton = await page.waitForSelector('::-p-aria(Restore last good weights)', { timeout: 10_000 });
    await restoreButton!.focus();
    await page.keyboard.press('Enter');
    await waitForStatus(page, `Restored the parameters of step ${kept.step}`);

    const restored = await snapshot(page);
    expect(restored.step).toBe(kept.step);
    expect(restored.parameters).toEqual(kept.parameters);
    expect(restored.guard.condition).toBe('ready');
    // The curves end just before the restored step: what came after belonged to the diverged run.
    expect(restored.lastRecorded?.step).toBe(kept.step - 1);
    expect(restored.recordedSteps).toBe(kept.step);
    expect(await faultAlertText(page)).toBeNull();

    await setInput(page, 'Learning rate', '0.05');
    await waitForStatus(page, 'weights and optimizer state kept');
    expect((await snapshot(page)).parameters).toEqual(kept.parameters);
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, kept.step + 40);
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused');
    const resumed = await snapshot(page);
    const resumedReport = await faultReport(page);
    expect(resumed.step).toBeGreaterThanOrEqual(kept.step + 40);
    expect(resumed.guard.condition).toBe('ready');
    expect(resumedReport.fault).toBeNull();
    expect(resumedReport.lastRecorded).toMatchObject({ mseFinite: true, globalGradNormFinite: true });
    expect(resumed.recordedSteps).toBe(resumed.lastRecorded!.step + 1);
    expect(await page.evaluate(() => window.reliabilityMarker)).toBe('divergence');
    await page.close();
  });
});

describe('GPU device loss', () => {
  test('the page reports the loss and the recovery, resumes from a snapshot no later than the loss, and keeps training without a reload', async () => {
    const page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    await page.evaluate(() => {
      window.reliabilityMarker = 'device-loss';
    });
    await clickByName(page, 'Play');
    // Wait for a snapshot past step 0, so a restart from the initial weights would show.
    await page.waitForFunction(
      async () => {
        const element = document.querySelector('mlp-playground') as unknown as { debugSnapshot(): Promise<{ guard: { lastGoodStep: number | null } }> };
        return ((await element.debugSnapshot()).guard.lastGoodStep ?? 0) > 0;
      },
      { polling: 200, timeout: 60_000 },
    );
    const beforeLoss = await snapshot(page);
    expect(beforeLoss.backend).toBe('webgpu');
    await recordStatusLine(page);

    // acquireGpu() hands out the device every GPU session of the page shares. Given as text so
    // Vitest's transform of this file cannot rewrite the import() the page runs.
    await page.evaluate(`import('/src/gpu/device.ts').then(async ({ acquireGpu }) => (await acquireGpu()).device.destroy())`);

    await page.waitForFunction(() => window.statusLog!.some((text) => text.startsWith('Recovered on a new GPU session')), { polling: 100, timeout: 60_000 });
    const log = await page.evaluate(() => window.statusLog!);
    const lostLine = log.find((text) => /device was lost at step \d+/.test(text));
    const recoveredLine = log.find((text) => text.startsWith('Recovered on a new GPU session'));
    expect(lostLine, log.join('\n')).toBeDefined();
    const lostAtStep = Number(/lost at step (\d+)/.exec(lostLine!)![1]);
    const restoreStep = Number(/restoring the parameters of step (\d+)/.exec(lostLine!)![1]);
    const resumeStep = Number(/continues from step (\d+)/.exec(recoveredLine!)![1]);
    expect(restoreStep).toBeLessThanOrEqual(lostAtStep);
    expect(resumeStep).toBe(restoreStep);
    // The newest snapshot is restored: never one older than the last confirmed before the loss.
    expect(restoreStep).toBeGreaterThanOrEqual(beforeLoss.guard.lastGoodStep!);

    // Training goes on by itself past the step of the loss, on WebGPU, in the same page.
    await waitForRecordedSteps(page, lostAtStep + 20);
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused');
    const after = await snapshot(page);
    expect(after.step).toBeGreaterThan(lostAtStep);
    expect(after.backend).toBe('webgpu');
    expect(after.guard.condition).toBe('ready');
    // The curves hold each step once: those trained again replaced the lost run's.
    expect(after.recordedSteps).toBe(after.lastRecorded!.step + 1);
    expect(await faultAlertText(page)).toBeNull();
    expect(await page.evaluate(() => window.reliabilityMarker)).toBe('device-loss');
    await page.close();
  });
});

describe('GPU device loss with no GPU left', () => {
  test('the page says recovery failed and continues on the CPU worker from the kept weights', async () => {
    const page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    await page.evaluate(() => {
      window.reliabilityMarker = 'recovery-failed';
    });
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 30);
    // Paused and flushed, the guard's kept weights no longer change under the test.
    await clickByName(page, 'Pause');
    await waitForStatus(page, 'Paused');
    const beforeLoss = await snapshot(page);
    const kept = { step: beforeLoss.guard.lastGoodStep!, parameters: beforeLoss.guard.lastGoodParameters! };

    // From now on the browser offers no adapter, as when the GPU process is gone for good.
    await page.evaluate(`(async () => {
      const { acquireGpu } = await import('/src/gpu/device.ts');
      const context = await acquireGpu();
      navigator.gpu.requestAdapter = async () => null;
      context.device.destroy();
    })()`);
    await page.waitForFunction(() => document.querySelector('mlp-playground')!.shadowRoot!.querySelector('fault-panel')!.shadowRoot?.querySelector('[role=alert]') != null, {
      polling: 100,
      timeout: 60_000,
    });
    const status = await statusText(page);
    expect(status).toContain('Could not continue after the GPU device was lost');
    expect(status).toContain('train on the CPU backend');
    expect(await faultAlertText(page)).toContain(`The CPU continues from the weights of step ${kept.step}`);

    await clickByName(page, 'Continue on the CPU');
    await waitForStatus(page, `Continuing on the CPU from the weights of step ${kept.step}`);
    const onCpu = await snapshot(page);
    expect(onCpu.backend).toBe('cpu');
    expect(onCpu.step).toBe(kept.step);
    expect(onCpu.parameters).toEqual(kept.parameters);
    expect(onCpu.recordedSteps).toBe(kept.step);
    expect(await faultAlertText(page)).toBeNull();

    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, kept.step + 20);
    await clickByName(page, 'Pause');
    const trained = await snapshot(page);
    expect(trained.step).toBeGreaterThanOrEqual(kept.step + 20);
    expect(trained.guard.condition).toBe('ready');
    expect(await page.evaluate(() => window.reliabilityMarker)).toBe('recovery-failed');
    await page.close();
  });
});

describe('a GPU validation error', () => {
  test('is shown in the status line and the alert, training pauses, and Play goes on', async () => {
    const page = await openPlayground(fixture, '/');
    await waitForStatus(page, 'press Play');
    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, 20);
    // A buffer with no usage is invalid: the device reports an uncaptured validation error.
    await page.evaluate(`import('/src/gpu/device.ts').then(async ({ acquireGpu }) => { (await acquireGpu()).device.createBuffer({ size: 4, usage: 0, label: 'invalid on purpose' }); })`);
    await waitForStatus(page, 'The GPU reported a validation error');
    expect(await statusText(page)).toContain('Training paused');
    expect(await faultAlertText(page)).toContain('invalid on purpose');
    await page.waitForSelector('::-p-aria(Play)', { timeout: 10_000 });
    const paused = await snapshot(page);
    expect(paused.guard.condition).toBe('ready');

    await clickByName(page, 'Play');
    await waitForRecordedSteps(page, paused.recordedSteps + 20);
    await clickByName(page, 'Pause');
    expect(await faultAlertText(page)).toBeNull();
    await page.close();
  });
});
