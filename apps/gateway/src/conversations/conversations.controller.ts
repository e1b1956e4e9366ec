import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { ZodBodyPipe } from '@switchyard/nest-common';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../auth/workspace-auth.guard';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { type ConversationEntity } from './conversation.entity';
import { type ConversationOwner, ConversationsRepository } from './conversations.repository';
import { type ConversationBody, ConversationBodySchema, CONVERSATION_BYTES_MAX, CONVERSATIONS_PER_WALLET_MAX } from './conversations.schemas';

const Uuid = z.uuid();

/**
 * `/api/v1/conversations`: the dashboard chat history of the signed-in wallet, in its current workspace only (another
 * wallet, even an owner of the same workspace, never sees it; API keys have none). At most
 * CONVERSATIONS_PER_WALLET_MAX chats of at most CONVERSATION_BYTES_MAX each.
 */
@Controller('api/v1/conversations')
@UseGuards(WorkspaceAuthGuard)
export class ConversationsController {
  constructor(private readonly conversations: ConversationsRepository) {}

  /** Newest first: id, title, message count and times (no messages). */
  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    const rows = await this.conversations.list(ownerOf(principal), CONVERSATIONS_PER_WALLET_MAX);
    return { data: rows.map((r) => ({ id: r.id, title: r.title, message_count: r.messageCount, created_at: r.createdAt.toISOString(), updated_at: r.updatedAt.toISOString() })) };
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return { data: render(await this.findOrThrow(ownerOf(principal), id)) };
  }

  @Post()
  async create(@CurrentPrincipal() principal: Principal, @Body(new ZodBodyPipe(ConversationBodySchema)) body: ConversationBody) {
    const created = await this.conversations.create(ownerOf(principal), body.title, body.messages, sizeOf(body), CONVERSATIONS_PER_WALLET_MAX);
    if (!created) throw new AppError('conflict', `You already keep ${CONVERSATIONS_PER_WALLET_MAX} conversations in this workspace.`, { suggestedAction: 'Delete old conversations first.' });
    return { data: render(created) };
  }

  /** Replaces the title and messages. */
  @Put(':id')
  async update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodBodyPipe(ConversationBodySchema)) body: ConversationBody) {
    const owner = ownerOf(principal);
    const updated = Uuid.safeParse(id).success ? await this.conversations.update(owner, id, body.title, body.messages, sizeOf(body)) : null;
    if (!updated) throw notFound();
    return { data: render(updated) };
  }

  @Delete(':id')
  @HttpCode(200)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    if (!Uuid.safeParse(id).success || !(await this.conversations.delete(ownerOf(principal), id))) throw notFound();
    return { data: { id, deleted: true } };
  }

  private async findOrThrow(owner: ConversationOwner, id: string): Promise<ConversationEntity> {
    const row = Uuid.safeParse(id).success ? await this.conversations.find(owner, id) : null;
    if (!row) throw notFound();
    return row;
  }
}

/** What the dashboard's chat can offer on this gateway (web search only when a search backend is configured). */
@Controller('api/v1/chat')
@UseGuards(WorkspaceAuthGuard)
export class ChatFeaturesController {
  constructor(@Inject(GATEWAY_ENV) private readonly env: GatewayEnv) {}

  @Get('features')
  features() {
    return { data: { web_search: { configured: Boolean(this.env.WEB_SEARCH_URL), fee_micros: this.env.WEB_SEARCH_FEE_MICROS.toString() } } };
  }
}

function ownerOf(principal: Principal): ConversationOwner {
  if (principal.kind !== 'session') throw new AppError('forbidden', 'Conversations belong to a signed-in wallet: sign in to the dashboard.');
  return { workspaceId: principal.workspaceId, address: principal.address.toLowerCase() };
}

function sizeOf(body: ConversationBody): number {
  const size = Buffer.byteLength(JSON.stringify(body.messages));
  if (size > CONVERSATION_BYTES_MAX) throw new AppError('request_too_large', `A conversation may hold at most ${CONVERSATION_BYTES_MAX} bytes of messages.`, { param: 'messages', suggestedAction: 'Start a new conversation, or leave out large attachments.' });
  return size;
}

function render(row: ConversationEntity) {
  return { id: row.id, title: row.title, messages: row.messages, created_at: row.createdAt.toISOString(), updated_at: row.updatedAt.toISOString() };
}

function notFound(): AppError {
  return new AppError('not_found', 'No such conversation.', { param: 'id' });
}
