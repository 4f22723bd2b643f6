/** One goal of the issue, the figure it is judged on, and whether this run met it. */
export interface GoalCheck {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

export function metLabel(met: boolean): string {
  return met ? 'met' : 'NOT met';
}

export function ms(value: number, digits = 1): string {
  return Number.isFinite(value) ? `${value.toFixed(digits)} ms` : 'n/a';
}

export function kb(bytes: number, digits = 1): string {
  return `${(bytes / 1024).toFixed(digits)} KB`;
}
