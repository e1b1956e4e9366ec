import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { SessionEntity } from './session.entity';

/** Postgres access for sessions (the only code touching `gateway.sessions`). */
@Injectable()
export class SessionsRepository {
  constructor(@InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>) {}

  async insert(session: Omit<SessionEntity, 'createdAt' | 'revokedAt'>): Promise<SessionEntity> {
    await this.sessions.insert({ ...session, revokedAt: null });
    return (await this.sessions.findOne({ where: { id: session.id } })) as SessionEntity;
  }

  findByAccessHash(accessHash: string): Promise<SessionEntity | null> {
    return this.sessions.findOne({ where: { accessHash } });
  }

  findByRefreshHash(refreshHash: string): Promise<SessionEntity | null> {
    return this.sessions.findOne({ where: { refreshHash } });
  }

  /**
   * Rotates both tokens of a live session, but only if the refresh hash is still the presented one: a refresh token
   * works once, and two concurrent refreshes cannot both win. Returns whether it rotated.
   */
  async rotate(id: string, presentedRefreshHash: string, next: Pick<SessionEntity, 'accessHash' | 'refreshHash' | 'accessExpiresAt' | 'refreshExpiresAt'>): Promise<boolean> {
    const result = await this.sessions.update({ id, refreshHash: presentedRefreshHash, revokedAt: IsNull() }, next);
    return (result.affected ?? 0) === 1;
  }

  async revoke(id: string, at: Date): Promise<void> {
    await this.sessions.update({ id, revokedAt: IsNull() }, { revokedAt: at });
  }
}
