import type { AlertForwarder } from './alert-forwarder.js';
import type { StoredAlert } from './alert-store.js';

/** A change to the alert store, as pushed to live clients. */
export type LiveEvent =
  | { type: 'alert'; data: StoredAlert }
  | {
      type: 'update';
      /** An open alert gained records: its new total and when the latest was scored. */
      data: { id: number; class: string; count: number; lastTime: string };
    };

/** Gets each event with its JSON (serialised once for all subscribers). */
export type LiveListener = (event: LiveEvent, json: string) => void;

/**
 * Fans committed alerts out to live clients (server-sent events and WebSockets). Publishing happens after
 * the store's commit, so a client never sees an alert the store does not have. The number of subscribers
 * is bounded; a listener that throws is dropped.
 */
export class AlertHub {
  private readonly listeners = new Set<LiveListener>();

  constructor(private readonly maxSubscribers = 100) {}

  /** Registers a listener; returns its unsubscribe function, or null when the hub is full. */
  subscribe(listener: LiveListener): (() => void) | null {
    if (this.listeners.size >= this.maxSubscribers) return null;
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get size(): number {
    return this.listeners.size;
  }

  publish(events: readonly LiveEvent[]): void {
    if (this.listeners.size === 0) return;
    for (const event of events) {
      const json = JSON.stringify(event.data);
      for (const listener of [...this.listeners]) {
        try {
          listener(event, json);
        } catch {
          this.listeners.delete(listener);
        }
      }
    }
  }
}

/**
 * A hub with room for `liveClients` live clients besides the forwarders, each of which gets every newly
 * opened alert (not the updates) once it is durable. `serve` and `consume` both build their hub so.
 */
export function hubWithForwarders(forwarders: readonly AlertForwarder[], liveClients = 0): AlertHub {
  const hub = new AlertHub(liveClients + forwarders.length);
  for (const forwarder of forwarders) {
    hub.subscribe((event) => {
      if (event.type === 'alert') forwarder.forward(event.data);
    });
  }
  return hub;
}
