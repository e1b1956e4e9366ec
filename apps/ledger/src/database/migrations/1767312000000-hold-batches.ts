import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Group commit for hold commands: one statement (so one transaction, one WAL flush) applies a whole batch
 * of create/capture/release commands. Each command runs in its own subtransaction, so one failing command
 * rolls back only its own writes and reports its own error; the others commit together.
 *
 * Lock order, shared by batches and the sweeper so they queue instead of deadlocking:
 *   hot system accounts (expense:unbilled_usage, revenue:usage, in id order) → pending_open rows → workspace accounts.
 */
export class HoldBatches1767312000000 implements MigrationInterface {
  name = 'HoldBatches1767312000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(HOLD_BATCH_SQL);
    await queryRunner.query(SWEEPER_SQL);
    // journal export and trial balance as of a moment select by time
    await queryRunner.query('CREATE INDEX transfers_by_created_at ON ledger.transfers (created_at, id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX IF EXISTS ledger.transfers_by_created_at');
    await queryRunner.query('DROP FUNCTION IF EXISTS ledger.execute_hold_batch(jsonb), ledger.lock_hold_system_accounts()');
    // the sweeper keeps its new lock order: it is compatible with the single-command functions too
  }
}

const HOLD_BATCH_SQL = `
CREATE FUNCTION ledger.lock_hold_system_accounts() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ledger.lock_accounts(ARRAY(SELECT id FROM ledger.accounts WHERE code IN ('expense:unbilled_usage', 'revenue:usage')));
END $$;

-- p_commands: [{op: create|capture|release, holdId, ...}]; one result row per command, in order.
-- out_error_code is a SQLSTATE (LDG01..LDG04, or 40P01/23505 that the caller retries) and NULL on success.
CREATE FUNCTION ledger.execute_hold_batch(p_commands jsonb)
RETURNS TABLE (out_index integer, out_result jsonb, out_error_code text, out_error_message text, out_error_detail text)
LANGUAGE plpgsql AS $$
DECLARE
  cmd jsonb; v_index integer := 0; v_create record; v_capture record; v_release record;
BEGIN
  PERFORM ledger.lock_hold_system_accounts();
  FOR cmd IN SELECT value FROM jsonb_array_elements(p_commands) LOOP
    out_index := v_index;
    v_index := v_index + 1;
    out_result := NULL; out_error_code := NULL; out_error_message := NULL; out_error_detail := NULL;
    BEGIN
      CASE cmd->>'op'
        WHEN 'create' THEN
          SELECT * INTO STRICT v_create FROM ledger.create_hold(cmd->>'holdId', (cmd->>'workspaceId')::uuid, (cmd->>'amount')::bigint,
            (cmd->>'minAmount')::bigint, (cmd->>'timeoutMs')::bigint, COALESCE(cmd->'metadata', '{}'::jsonb));
          out_result := jsonb_build_object('result', v_create.out_result, 'amount', v_create.out_amount::text, 'available', v_create.out_available::text);
        WHEN 'capture' THEN
          SELECT * INTO STRICT v_capture FROM ledger.capture_hold(cmd->>'holdId', (cmd->>'amount')::bigint, COALESCE(cmd->'metadata', '{}'::jsonb));
          out_result := jsonb_build_object('result', v_capture.out_result, 'status', v_capture.out_status, 'captured', v_capture.out_captured::text,
            'released', v_capture.out_released::text, 'overage', v_capture.out_overage::text, 'unbilled', v_capture.out_unbilled::text);
        WHEN 'release' THEN
          SELECT * INTO STRICT v_release FROM ledger.release_hold(cmd->>'holdId', cmd->>'reason');
          out_result := jsonb_build_object('result', v_release.out_result, 'status', v_release.out_status, 'released', v_release.out_released::text);
        ELSE
          RAISE EXCEPTION USING ERRCODE = 'LDG04', MESSAGE = format('Unknown hold command %s.', cmd->>'op');
      END CASE;
    EXCEPTION WHEN OTHERS THEN
      -- only this command's subtransaction is rolled back; the batch goes on
      GET STACKED DIAGNOSTICS out_error_code = RETURNED_SQLSTATE, out_error_message = MESSAGE_TEXT, out_error_detail = PG_EXCEPTION_DETAIL;
    END;
    RETURN NEXT;
  END LOOP;
END $$;
`;

// Same work as before; it now takes the hot system accounts before claiming due holds (the batch lock order).
const SWEEPER_SQL = `
CREATE OR REPLACE FUNCTION ledger.expire_due_holds(p_limit integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE v_ids bigint[]; v_id bigint; v_count integer := 0;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM ledger.pending_open WHERE timeout_at <= now()) THEN RETURN 0; END IF;
  PERFORM ledger.lock_hold_system_accounts();
  SELECT array_agg(pending_id) INTO v_ids FROM (
    SELECT pending_id FROM ledger.pending_open WHERE timeout_at <= now() ORDER BY timeout_at LIMIT p_limit FOR UPDATE SKIP LOCKED
  ) due;
  IF v_ids IS NULL THEN RETURN 0; END IF;
  PERFORM ledger.lock_accounts(ARRAY(
    SELECT debit_account_id FROM ledger.transfers WHERE id = ANY (v_ids)
    UNION SELECT credit_account_id FROM ledger.transfers WHERE id = ANY (v_ids)));
  FOREACH v_id IN ARRAY v_ids LOOP
    IF NOT EXISTS (SELECT 1 FROM ledger.transfers WHERE pending_id = v_id) THEN
      PERFORM ledger.apply_resolution(v_id, 'expire', 0, 'hold_expiry', '{}'::jsonb);
      v_count := v_count + 1;
    END IF;
  END LOOP;
  RETURN v_count;
END $$;
`;
