import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { AdminTokenGuard } from '../management/admin-token.guard';
import { WorkspaceSettingsAdminController, WorkspaceSettingsController } from './workspace-settings.controller';
import { WorkspaceSettingsEntity } from './workspace-settings.entity';
import { WorkspaceSettingsRepository } from './workspace-settings.repository';
import { WorkspaceSettingsService } from './workspace-settings.service';

/** Workspace settings (content logging opt-in) for members, management keys and operators; the pipeline reads them. */
@Module({})
export class WorkspaceSettingsModule {
  static forRoot(env: GatewayEnv): DynamicModule {
    return {
      module: WorkspaceSettingsModule,
      imports: [TypeOrmModule.forFeature([WorkspaceSettingsEntity])],
      controllers: [WorkspaceSettingsController, WorkspaceSettingsAdminController],
      providers: [{ provide: GATEWAY_ENV, useValue: env }, AdminTokenGuard, WorkspaceSettingsRepository, WorkspaceSettingsService],
      exports: [WorkspaceSettingsService],
    };
  }
}
