/** Injection token of the validated RoutingConfig the router loads at boot. */
export const ROUTING_CONFIG = Symbol('ROUTING_CONFIG');
