import { decide } from './decide';
import type { WorkflowCommand } from './commands';
import { DomainError } from './domain-error';
import type { WorkflowEvent } from './events';
import { evolve } from './evolve';
import type { ScriptEvaluator } from './script-evaluator';
import type { WorkflowState } from './state';

// Given events (folded with evolve), when a command (decided, with these scripts), then events — or a DomainError.
export function given(...history: WorkflowEvent[]) {
  return givenWithScripts(undefined, ...history);
}

/** As `given`, deciding with a script evaluator (a test's stand-in for the sandbox). */
export function givenWithScripts(scripts: ScriptEvaluator | undefined, ...history: WorkflowEvent[]) {
  const state = history.reduce<WorkflowState>(evolve, { type: 'Empty' });
  return {
    when: (command: WorkflowCommand) => ({
      /** The events decided, for assertions on a part of them. */
      events: () => decide(command, state, scripts),
      then: (expected: WorkflowEvent[]) => expect(decide(command, state, scripts)).toEqual(expected),
      thenFailsWith: (code: DomainError['code'], message?: string) => {
        let error: unknown;
        try {
          decide(command, state, scripts);
        } catch (thrown) {
          error = thrown;
        }
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe(code);
        if (message !== undefined) expect((error as DomainError).message).toBe(message);
      },
    }),
  };
}

