import { z } from 'zod';
import { IsoTimestamp } from '../primitives';
import { AttemptSchema } from './request-completed.event';

/**
 * Core NATS (at-most-once, no stream): the provider attempts a gateway made lately, for the routers' endpoint health.
 * A gateway sends what gathered every GATEWAY_HEALTH_REPORT_MS instead of the routers observing every completion:
 * one message a few times a second, not one wake-up of every router per request. Health is a view of the last
 * minutes and the snapshot goes out at most once a second, so a report lost in a restart only thins that view.
 */
export const GATEWAY_ATTEMPTS_OBSERVED_SUBJECT = 'gateway.attempts.observed';

/** Most attempts in one report; a gateway sends at once when it has gathered this many. */
export const ATTEMPTS_PER_REPORT_MAX = 1_000;

export const ObservedAttemptSchema = AttemptSchema.extend({
  /** When the request the attempt belongs to completed: its health sample's time. */
  completedAt: IsoTimestamp,
});
export type ObservedAttempt = z.output<typeof ObservedAttemptSchema>;

export const AttemptsObservedSchema = z.object({ attempts: z.array(ObservedAttemptSchema).min(1).max(ATTEMPTS_PER_REPORT_MAX) });
export type AttemptsObserved = z.output<typeof AttemptsObservedSchema>;
