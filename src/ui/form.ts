/** What the control panels share: their look, and how a validator's problem is shown next to its control. */
import { css, html, nothing, type TemplateResult } from 'lit';
import type { ValidationProblem } from '../model/validate';

/** Styles of a control panel: a titled box of labelled controls with visible keyboard focus. */
export const panelStyles = css`
  :host {
    display: block;
    background: var(--panel-bg, #fff);
    border: 1px solid var(--panel-border, #d5d9e0);
    border-radius: 6px;
    padding: 0.6rem 0.8rem;
    font-size: 0.9rem;
  }
  h2 {
    font-size: 0.95rem;
    margin: 0 0 0.5rem;
  }
  label,
  .row {
    display: flex;
    align-items: center;
    gap: 0.4rem;
    margin: 0.25rem 0;
    flex-wrap: wrap;
  }
  label > span:first-child {
    min-width: 7.5rem;
  }
  input[type='number'] {
    width: 6rem;
  }
  input,
  select,
  button {
    font: inherit;
  }
  button {
    padding: 0.2rem 0.7rem;
    border: 1px solid #8a94a6;
    border-radius: 4px;
    background: #f4f6fa;
    cursor: pointer;
  }
  button:disabled {
    cursor: default;
    opacity: 0.5;
  }
  :is(button, input, select, a):focus-visible {
    outline: 3px solid #1a73e8;
    outline-offset: 2px;
  }
  .problem {
    color: #b3261e;
    font-size: 0.85rem;
    margin: 0 0 0.3rem;
  }
  .hint {
    color: #555;
    font-size: 0.8rem;
  }
`;

/** The validator's messages for `field` (and its sub-fields), shown under the control; nothing when it is fine. */
export function fieldProblems(problems: readonly ValidationProblem[], field: string, id?: string): TemplateResult | typeof nothing {
  const mine = problems.filter((p) => p.field === field || p.field.startsWith(`${field}.`) || p.field.startsWith(`${field}[`));
  if (mine.length === 0) return nothing;
  return html`<p class="problem" role="alert" id=${id ?? nothing} data-field=${field}>${mine.map((p) => p.message).join(' ')}</p>`;
}

/** Dispatches a bubbling, composed CustomEvent, the way every panel talks to the playground. */
export function emit<T>(from: HTMLElement, type: string, detail: T): void {
  from.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
}

/** Reads a number input; NaN when it is empty or not a number (the validator then names the problem). */
export function numberValue(event: Event): number {
  const input = event.target as HTMLInputElement;
  return input.value.trim() === '' ? Number.NaN : Number(input.value);
}
