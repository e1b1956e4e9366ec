import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ConversationEntity } from './conversation.entity';

export interface ConversationOwner {
  workspaceId: string;
  address: string;
}

export type ConversationSummary = Pick<ConversationEntity, 'id' | 'title' | 'createdAt' | 'updatedAt'> & { messageCount: number };

/** Postgres access for `gateway.conversations`; every query is scoped to the owning wallet and workspace. */
@Injectable()
export class ConversationsRepository {
  constructor(@InjectRepository(ConversationEntity) private readonly conversations: Repository<ConversationEntity>) {}

  async list(owner: ConversationOwner, limit: number): Promise<ConversationSummary[]> {
    const rows = (await this.conversations.query(
      `SELECT "id", "title", "created_at", "updated_at", jsonb_array_length("messages") AS "message_count"
         FROM "gateway"."conversations" WHERE "workspace_id" = $1 AND "address" = $2
        ORDER BY "updated_at" DESC, "id" LIMIT $3`,
      [owner.workspaceId, owner.address, limit],
    )) as Array<{ id: string; title: string; created_at: Date; updated_at: Date; message_count: number }>;
    return rows.map((r) => ({ id: r.id, title: r.title, createdAt: r.created_at, updatedAt: r.updated_at, messageCount: Number(r.message_count) }));
  }

  find(owner: ConversationOwner, id: string): Promise<ConversationEntity | null> {
    return this.conversations.findOne({ where: { id, workspaceId: owner.workspaceId, address: owner.address } });
  }

  /** Inserts unless the wallet already has `max` chats in the workspace (checked in the same statement). */
  async create(owner: ConversationOwner, title: string, messages: unknown[], sizeBytes: number, max: number): Promise<ConversationEntity | null> {
    const id = randomUUID();
    const inserted = (await this.conversations.query(
      `INSERT INTO "gateway"."conversations" ("id", "workspace_id", "address", "title", "messages", "size_bytes")
       SELECT $1, $2, $3, $4, $5::jsonb, $6
        WHERE (SELECT count(*) FROM "gateway"."conversations" WHERE "workspace_id" = $2 AND "address" = $3) < $7
       RETURNING "id"`,
      [id, owner.workspaceId, owner.address, title, JSON.stringify(messages), sizeBytes, max],
    )) as unknown[];
    return inserted.length ? this.find(owner, id) : null;
  }

  async update(owner: ConversationOwner, id: string, title: string, messages: unknown[], sizeBytes: number): Promise<ConversationEntity | null> {
    const updated = (await this.conversations.query(
      `UPDATE "gateway"."conversations" SET "title" = $4, "messages" = $5::jsonb, "size_bytes" = $6, "updated_at" = now()
        WHERE "id" = $1 AND "workspace_id" = $2 AND "address" = $3 RETURNING "id"`,
      [id, owner.workspaceId, owner.address, title, JSON.stringify(messages), sizeBytes],
    )) as unknown[];
    // TypeORM's Postgres driver answers an UPDATE with [rows, affected count].
    const rows = Array.isArray(updated[0]) ? (updated[0] as unknown[]) : updated;
    return rows.length ? this.find(owner, id) : null;
  }

  async delete(owner: ConversationOwner, id: string): Promise<boolean> {
    const result = await this.conversations.delete({ id, workspaceId: owner.workspaceId, address: owner.address });
    return Boolean(result.affected);
  }
}
