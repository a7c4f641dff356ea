import { describeGpuAdapter } from '../../src/gpu/device';
import { gpuProvider } from '../../src/gpu/runtime';

/** The adapter this runtime's WebGPU runs on as one line, e.g. "google swiftshader (CPU adapter)", for run files and tables. */
export async function adapterLabel(): Promise<string> {
  const report = await describeGpuAdapter();
  if (!report) throw new Error(`${gpuProvider().name} gave no adapter: WebGPU is not available here`);
  const parts = [report.vendor, report.architecture, report.device, report.description].filter((part) => part);
  return `${parts.join(' ')}${report.isCpuAdapter ? ' (CPU adapter)' : ''}`;
}
