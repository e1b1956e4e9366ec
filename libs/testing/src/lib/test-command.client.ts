import type { CommandContract, CommandRequestInput, CommandResponse, ReplyEnvelope } from '@switchyard/contracts';
import { fromReplyError } from '@switchyard/errors';
import { connect, type NatsConnection } from 'nats';

/** Sends commands to running services the way NatsBus does (Nest's packet format), for integration tests. */
export class TestCommandClient {
  private constructor(private readonly connection: NatsConnection, private readonly subjectPrefix: string) {}

  static async connect(subjectPrefix: string, url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'): Promise<TestCommandClient> {
    return new TestCommandClient(await connect({ servers: url }), subjectPrefix);
  }

  /** Resolves with the reply data, or rejects with the AppError the handler returned. */
  async request<C extends CommandContract>(contract: C, payload: CommandRequestInput<C>, timeoutMs = 5_000): Promise<CommandResponse<C>> {
    const envelope = await this.requestRaw(contract.subject, payload, timeoutMs);
    if (!envelope.ok) throw fromReplyError(envelope.error);
    return contract.response.parse(envelope.data) as CommandResponse<C>;
  }

  /** Sends any payload (even an invalid one) and returns the raw reply envelope. */
  async requestRaw(subject: string, payload: unknown, timeoutMs = 5_000): Promise<ReplyEnvelope<unknown>> {
    const packet = JSON.stringify({ pattern: subject, data: payload, id: `${Date.now()}-${Math.random()}` });
    const reply = await this.connection.request(`${this.subjectPrefix}${subject}`, packet, { timeout: timeoutMs });
    return (JSON.parse(reply.string()) as { response: ReplyEnvelope<unknown> }).response;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
