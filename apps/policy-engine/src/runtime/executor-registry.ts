// The executors this process can dispatch to; the policy engine reads their descriptors, the orchestrator uses them.
import { Injectable } from '@nestjs/common';
import type { RuntimeExecutor, RuntimeExecutorDescriptor } from './runtime-executor';

@Injectable()
export class ExecutorRegistry {
  private readonly executors = new Map<string, RuntimeExecutor>();

  register(executor: RuntimeExecutor): void {
    this.executors.set(executor.descriptor.name, executor);
  }

  get(name: string): RuntimeExecutor | undefined {
    return this.executors.get(name);
  }

  all(): RuntimeExecutor[] {
    return [...this.executors.values()];
  }

  descriptors(): RuntimeExecutorDescriptor[] {
    return this.all().map((e) => e.descriptor);
  }
}
