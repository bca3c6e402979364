import { Option } from 'commander';
import { DEFAULT_ALERT_WINDOW_SECONDS } from '../alerts/alert-window.js';
import { collect, intOption } from './parse-options.js';

/** `--webhook`, the same for every command that stores alerts (serve, consume). */
export function webhookOption(): Option {
  return new Option(
    '--webhook <url>',
    'also POST each new alert as JSON to this URL, retrying with backoff (repeatable)',
  )
    .argParser(collect)
    .default([], 'none');
}

/** `--syslog`, the same for every command that stores alerts (serve, consume). */
export function syslogOption(): Option {
  return new Option(
    '--syslog <udp|tcp://host:port>',
    'also send each new alert to a syslog collector as RFC 5424, e.g. udp://127.0.0.1:514 (repeatable)',
  )
    .argParser(collect)
    .default([], 'none');
}

/** `--alert-window`, the same for every command that aggregates alerts (serve, watch). */
export function alertWindowOption(): Option {
  return new Option(
    '--alert-window <seconds>',
    'alerts of one class and source within a window are folded into one',
  )
    .argParser(intOption('--alert-window'))
    .default(DEFAULT_ALERT_WINDOW_SECONDS);
}
