import { ServerNats, type NatsOptions } from '@nestjs/microservices';

type NatsConnection = Parameters<ServerNats['bindEvents']>[0];

/**
 * Nest's NATS server, subscribing under a subject prefix so several stacks share one NATS server.
 * Handlers keep their contract subjects; only the wire subject is prefixed.
 */
export class PrefixedNatsServer extends ServerNats {
  constructor(options: NatsOptions['options'], private readonly subjectPrefix: string) {
    super(options ?? {});
  }

  override bindEvents(client: NatsConnection): void {
    // `options` and `subscriptions` are private in Nest's typings but part of its runtime contract.
    const internals = this as unknown as { options: Record<string, unknown>; subscriptions: Array<{ unsubscribe(): void }> };
    const defaultQueue = internals.options.queue as string | undefined;
    for (const [pattern, handler] of this.messageHandlers) {
      const queue = handler.extras?.queue ?? defaultQueue;
      const subscription = client.subscribe(`${this.subjectPrefix}${pattern}`, {
        queue,
        callback: this.getMessageHandler(pattern).bind(this),
      });
      internals.subscriptions.push(subscription);
    }
  }
}
