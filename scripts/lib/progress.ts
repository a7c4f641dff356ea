/**
 * A progress line on standard error: redrawn in place on a terminal, printed every tenth of the
 * way otherwise (logs and CI should not fill with carriage returns).
 */
import { LOSSES } from '../../src/model/losses';
import type { ScriptHost } from './host';
import type { RunProgress } from './run-session';

const BAR_WIDTH = 30;

/**
 * A figure for a progress or summary line: `format(value)` when it is a finite number, "n/a"
 * otherwise (a loss the output does not allow is NaN by design, a diverging run's are not finite).
 */
export function formatFigure(value: number, format: (finite: number) => string): string {
  return typeof value === 'number' && Number.isFinite(value) ? format(value) : 'n/a';
}

export function createProgressBar(host: ScriptHost, label: string): { update(progress: RunProgress): void; done(): void } {
  let lastTenth = -1;
  let drawn = false;
  const line = ({ completed, total, latest, elapsedMs }: RunProgress): string => {
    const filled = Math.round((BAR_WIDTH * completed) / total);
    const rate = elapsedMs > 0 ? (completed * 1000) / elapsedMs : 0;
    const loss = latest ? ` ${LOSSES[latest.activeLoss].shortLabel.toLowerCase()} ${formatFigure(latest.losses[latest.activeLoss], (loss) => loss.toPrecision(4))}` : '';
    return `${label} [${'#'.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ${completed}/${total} steps, ${rate.toFixed(1)} steps/s${loss}`;
  };
  return {
    update(progress) {
      if (host.isTTY) {
        host.stderr(`\r${line(progress)}\x1b[K`);
        drawn = true;
        return;
      }
      const tenth = Math.floor((10 * progress.completed) / progress.total);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        host.stderr(`${line(progress)}\n`);
      }
    },
    done() {
      if (drawn) host.stderr('\n');
    },
  };
}
