/**
 * Alerts of one class and source within this many seconds are folded into one stored alert. The CLI's
 * `--alert-window` default and its `--help` come from here.
 */
export const DEFAULT_ALERT_WINDOW_SECONDS = 60;
