import { ClientNats, type NatsOptions } from '@nestjs/microservices';

/** Nest's NATS client, publishing under the same subject prefix as PrefixedNatsServer. */
export class PrefixedNatsClient extends ClientNats {
  constructor(options: NatsOptions['options'], private readonly subjectPrefix: string) {
    super(options ?? {});
  }

  protected override normalizePattern(pattern: Parameters<ClientNats['normalizePattern']>[0]): string {
    return `${this.subjectPrefix}${super.normalizePattern(pattern)}`;
  }
}
