import { AppError } from '@switchyard/errors';
import type { AccountCounters, AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';

const workspaceId = '2b1f8f5e-7f55-4a43-9f1b-0c3f2f3a6d11';

function serviceWith(counters: AccountCounters | undefined): AccountsService {
  const repository: Pick<AccountsRepository, 'findCounters'> = { findCounters: jest.fn(async () => counters) };
  return new AccountsService(repository as AccountsRepository);
}

describe('AccountsService.balance', () => {
  it('derives posted, pending and available from the credit account counters', async () => {
    const service = serviceWith({ code: 'x', creditsPosted: 1_000n, debitsPosted: 300n, debitsPending: 200n, creditsPending: 0n });
    expect(await service.balance({ workspaceId })).toEqual({ workspaceId, postedMicros: '700', pendingMicros: '200', availableMicros: '500' });
  });

  it('answers not_found for a workspace without accounts', async () => {
    await expect(serviceWith(undefined).balance({ workspaceId })).rejects.toEqual(expect.objectContaining({ code: 'not_found' }));
    await expect(serviceWith(undefined).balance({ workspaceId })).rejects.toBeInstanceOf(AppError);
  });
});
