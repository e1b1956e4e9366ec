import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { ConversationEntity } from './conversation.entity';
import { ChatFeaturesController, ConversationsController } from './conversations.controller';
import { ConversationsRepository } from './conversations.repository';

/** The dashboard chat's server-side history (per wallet and workspace) and what the chat can offer. */
@Module({})
export class ConversationsModule {
  static forRoot(env: GatewayEnv): DynamicModule {
    return {
      module: ConversationsModule,
      imports: [TypeOrmModule.forFeature([ConversationEntity])],
      controllers: [ConversationsController, ChatFeaturesController],
      providers: [{ provide: GATEWAY_ENV, useValue: env }, ConversationsRepository],
    };
  }
}
