import { describeGpuAdapter } from '../../src/gpu/device';

/** The adapter this page's WebGPU runs on as one line, e.g. "google swiftshader (CPU adapter)", for run files and tables. */
export async function adapterLabel(): Promise<string> {
  const report = await describeGpuAdapter();
  if (!report) throw new Error('navigator.gpu gave no adapter: WebGPU is not available in this browser');
  const parts = [report.vendor, report.architecture, report.device, report.description].filter((part) => part);
  return `${parts.join(' ')}${report.isCpuAdapter ? ' (CPU adapter)' : ''}`;
}
