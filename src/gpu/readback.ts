/**
 * Pooled staging buffers for reading results back (metrics, parameters, evaluated outputs): a
 * buffer is taken, filled by a copy at the end of a submission, mapped asynchronously, read, and
 * returned to the pool, so steady-state training creates no buffers.
 */
export class StagingPool {
  private readonly free: GPUBuffer[] = [];
  private readonly all = new Set<GPUBuffer>();

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
  ) {}

  /**
   * A mappable buffer of at least `bytes`, from the pool when one is free: the smallest that fits,
   * so a small metrics readback does not take a parameter-sized buffer and force a new one.
   */
  acquire(bytes: number): GPUBuffer {
    let index = -1;
    this.free.forEach((buffer, i) => {
      if (buffer.size >= bytes && (index < 0 || buffer.size < this.free[index].size)) index = i;
    });
    if (index >= 0) return this.free.splice(index, 1)[0];
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const buffer = this.device.createBuffer({ label: this.label, size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    this.all.add(buffer);
    return buffer;
  }

  /** Maps `buffer` (after the submission that fills it), copies `bytes` out, and returns it to the pool. */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    try {
      await buffer.mapAsync(GPUMapMode.READ, 0, Math.ceil(bytes / 4) * 4);
      const copy = buffer.getMappedRange(0, Math.ceil(bytes / 4) * 4).slice(0);
      buffer.unmap();
      return copy;
    } finally {
      if (this.all.has(buffer)) this.free.push(buffer);
    }
  }

  /** Destroys every buffer of the pool. */
  destroy(): void {
    for (const buffer of this.all) buffer.destroy();
    this.all.clear();
    this.free.length = 0;
  }
}
