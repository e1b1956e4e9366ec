import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { WorkspaceEntity } from './workspace.entity';

@Injectable()
export class WorkspacesRepository {
  constructor(@InjectRepository(WorkspaceEntity) private readonly workspaces: Repository<WorkspaceEntity>) {}

  async insert(id: string, name: string): Promise<WorkspaceEntity> {
    await this.workspaces.insert({ id, name });
    return (await this.findById(id)) as WorkspaceEntity;
  }

  findById(id: string): Promise<WorkspaceEntity | null> {
    return this.workspaces.findOne({ where: { id } });
  }
}
