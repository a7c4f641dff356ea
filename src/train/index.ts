export type { Session, SessionError, StepMetrics, TrainerSnapshot } from '../model/session';
export { createSession, describeBackend, type CreateSessionOptions } from './create-session';
export { GpuSession, type GpuSessionOptions } from './gpu-session';
