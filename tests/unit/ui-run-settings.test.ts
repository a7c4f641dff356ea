/**
 * The run settings a link carries (src/ui/run-settings.ts, src/ui/playground-config.ts): every
 * speed, scheduled switch and pause step, and the tuning option round-trip through the link; a link
 * without them (written before the page had them) runs at full speed with nothing scheduled; each
 * wrong value is named under its field and only that setting falls back to its default.
 */
import { describe, expect, it } from 'vitest';
import { configFromHash, configToHash, defaultConfig, saturationDemoConfig, type PlaygroundConfig } from '../../src/ui/playground-config';
import { DEFAULT_RUN_SETTINGS, LAST_SCHEDULABLE_STEP, SPEEDS, parseRunSettings, speedLabel, type RunSettings } from '../../src/ui/run-settings';
import { SATURATION_DEMO_SCHEDULE } from '../../src/train/saturation-demo';

const json = (value: unknown) => encodeURIComponent(JSON.stringify(value));

describe('run settings in the link', () => {
  it('round-trip for every speed, with and without a scheduled switch and pause, tuning on and off', () => {
    const steps: (number | null)[] = [null, 1, 2, 999, LAST_SCHEDULABLE_STEP];
    let checked = 0;
    for (const speed of SPEEDS) {
      for (const [i, switchLossAt] of steps.entries()) {
        const run: RunSettings = { speed, switchLossAt, pauseAt: steps[(i + 2) % steps.length], tuneGpu: i % 2 === 0 };
        const config: PlaygroundConfig = { ...defaultConfig(), run };
        const { config: restored, problems } = configFromHash(configToHash(config));
        expect(problems, JSON.stringify(run)).toEqual([]);
        expect(restored, JSON.stringify(run)).toEqual(config);
        checked++;
      }
    }
    expect(checked).toBe(SPEEDS.length * steps.length);
  });

  it('the saturation demo replays the preset: its switch and its end, at a speed slow enough to follow', () => {
    const demo = saturationDemoConfig();
    expect(demo.run.switchLossAt).toBe(SATURATION_DEMO_SCHEDULE.switchLossAt);
    expect(demo.run.pauseAt).toBe(SATURATION_DEMO_SCHEDULE.steps);
    expect(demo.run.speed).not.toBe('max');
    // "A few hundred steps take several seconds": 300 steps at the demo's speed.
    expect(300 / (demo.run.speed as number)).toBeGreaterThanOrEqual(3);
    expect(configFromHash(configToHash(demo)).config).toEqual(demo);
  });

  it('a link without run settings gets the defaults, with no problem', () => {
    const config = defaultConfig();
    const old = `#spec=${json(config.spec)}&data=${json(config.data)}`;
    const { config: restored, problems } = configFromHash(old);
    expect(problems).toEqual([]);
    expect(restored.run).toEqual(DEFAULT_RUN_SETTINGS);
    // A partial one fills in the rest.
    const partial = configFromHash(`${old}&run=${json({ speed: 30 })}`);
    expect(partial.problems).toEqual([]);
    expect(partial.config.run).toEqual({ ...DEFAULT_RUN_SETTINGS, speed: 30 });
  });

  it('names each wrong setting under its field; that setting alone falls back to its default', () => {
    const good: RunSettings = { speed: 10, switchLossAt: 50, pauseAt: 200, tuneGpu: false };
    const cases: [Record<string, unknown>, string, RegExp, keyof RunSettings | null][] = [
      [{ speed: 7 }, 'run.speed', /one of 1, 3, 10, 30, 60, 200, 1000, max.*7 is not/, 'speed'],
      [{ speed: 'fast' }, 'run.speed', /"fast" is not/, 'speed'],
      [{ speed: null }, 'run.speed', /null is not/, 'speed'],
      [{ switchLossAt: 0 }, 'run.switchLossAt', /switch the loss at must be a whole number from 1 to 1,000,000,000.*0 is not/, 'switchLossAt'],
      [{ switchLossAt: 2.5 }, 'run.switchLossAt', /2\.5 is not/, 'switchLossAt'],
      [{ switchLossAt: -3 }, 'run.switchLossAt', /-3 is not/, 'switchLossAt'],
      [{ switchLossAt: '40' }, 'run.switchLossAt', /"40" is not/, 'switchLossAt'],
      [{ pauseAt: LAST_SCHEDULABLE_STEP + 1 }, 'run.pauseAt', /pause at must be a whole number/, 'pauseAt'],
      [{ pauseAt: Number.NaN }, 'run.pauseAt', /not a number is not/, 'pauseAt'],
      [{ tuneGpu: 'no' }, 'run.tuneGpu', /true or false; "no" is not/, 'tuneGpu'],
      [{ speedy: 3 }, 'run.speedy', /Unknown run setting "speedy"; the run settings are speed, switchLossAt, pauseAt, tuneGpu/, null],
    ];
    for (const [change, field, message, key] of cases) {
      const { settings, problems } = parseRunSettings({ ...good, ...change });
      expect(problems, JSON.stringify(change)).toEqual([{ field, message: expect.stringMatching(message) }]);
      const expected = key ? { ...good, [key]: DEFAULT_RUN_SETTINGS[key] } : good;
      expect(settings, JSON.stringify(change)).toEqual(expected);
    }
    for (const notObject of [3, 'max', null, [10]]) {
      const { settings, problems } = parseRunSettings(notObject);
      expect(problems.map((p) => p.field)).toEqual(['run']);
      expect(settings).toEqual(DEFAULT_RUN_SETTINGS);
    }
  });

  it('a link with wrong run settings names them under run and keeps the rest of the link', () => {
    const config = defaultConfig();
    const { config: restored, problems } = configFromHash(`#spec=${json(config.spec)}&run=${json({ speed: 45, pauseAt: 10 })}`);
    expect(problems.map((p) => p.field)).toEqual(['run.speed']);
    expect(restored.run).toEqual({ ...DEFAULT_RUN_SETTINGS, pauseAt: 10 });
    expect(restored.spec).toEqual(config.spec);
    expect(configFromHash('#run=notjson').problems.map((p) => p.field)).toEqual(['run']);
  });

  it('says every speed in words', () => {
    expect(SPEEDS.map(speedLabel)).toEqual(['1 step/s', '3 steps/s', '10 steps/s', '30 steps/s', '60 steps/s', '200 steps/s', '1000 steps/s', 'as fast as possible']);
  });
});
