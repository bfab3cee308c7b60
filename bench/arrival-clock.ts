/** When each run (a workflow, a job, a chain) reached a point (its task received, its completion), awaited by id. */
export class ArrivalClock {
  private readonly arrivedAt = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();

  arrived(id: string): void {
    const at = performance.now();
    const waiter = this.waiters.get(id);
    if (waiter) {
      this.waiters.delete(id);
      waiter(at);
    } else {
      this.arrivedAt.set(id, at);
    }
  }

  arrival(id: string): Promise<number> {
    const at = this.arrivedAt.get(id);
    if (at !== undefined) {
      this.arrivedAt.delete(id);
      return Promise.resolve(at);
    }
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }
}
