import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger schema (TigerBeetle's model in Postgres): accounts with four counters and balance flags, an
 * append-only journal of balanced transfer pairs, holds as pending transfers resolved exactly once.
 * Every write goes through the plpgsql functions below, so each command is one statement, one short
 * transaction, and no invariant depends on TypeScript read-modify-write.
 * Frozen once released: later changes go in a new migration.
 */
export class CreateLedger1767225600000 implements MigrationInterface {
  name = 'CreateLedger1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(SCHEMA_SQL);
    await queryRunner.query(FUNCTIONS_SQL);
    await queryRunner.query(SYSTEM_ACCOUNTS_SQL);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP FUNCTION IF EXISTS ledger.expire_due_holds(integer), ledger.release_hold(text, text), ledger.capture_hold(text, bigint, jsonb),
        ledger.create_hold(text, uuid, bigint, bigint, bigint, jsonb), ledger.create_transfers(text, jsonb),
        ledger.apply_resolution(bigint, ledger.transfer_kind, bigint, text, jsonb), ledger.post_single(text, text, bigint, bigint, bigint, text, jsonb),
        ledger.lock_accounts(bigint[]);
      DROP TABLE IF EXISTS ledger.hold_captures, ledger.pending_open, ledger.transfers, ledger.accounts;
      DROP FUNCTION IF EXISTS ledger.forbid_mutation(), ledger.guard_account_update();
      DROP TYPE IF EXISTS ledger.transfer_kind, ledger.account_type;
    `);
  }
}

/** Contract reasons (TRANSFER_REASONS) plus the ledger's own bookkeeping reasons for hold resolution. */
const REASONS = [
  'usage_hold', 'usage_capture', 'usage_overage', 'deposit', 'funding_fee', 'starter_credit', 'operator_grant', 'correction', 'agent_payment',
  'usage_late', 'usage_unbilled', 'hold_release', 'hold_expiry',
];

const SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS ledger;

CREATE TYPE ledger.account_type AS ENUM ('asset', 'liability', 'equity', 'revenue', 'expense');
CREATE TYPE ledger.transfer_kind AS ENUM ('single', 'pending', 'post', 'void', 'expire');

CREATE TABLE ledger.accounts (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code            text NOT NULL UNIQUE CHECK (length(code) BETWEEN 3 AND 200),
  type            ledger.account_type NOT NULL,
  currency        text NOT NULL DEFAULT 'USD6',
  workspace_id    uuid,
  debits_must_not_exceed_credits boolean NOT NULL DEFAULT false,
  credits_must_not_exceed_debits boolean NOT NULL DEFAULT false,
  debits_pending  bigint NOT NULL DEFAULT 0,
  debits_posted   bigint NOT NULL DEFAULT 0,
  credits_pending bigint NOT NULL DEFAULT 0,
  credits_posted  bigint NOT NULL DEFAULT 0,
  version         bigint NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT accounts_one_flag CHECK (NOT (debits_must_not_exceed_credits AND credits_must_not_exceed_debits)),
  CONSTRAINT accounts_counters_non_negative CHECK (debits_pending >= 0 AND debits_posted >= 0 AND credits_pending >= 0 AND credits_posted >= 0),
  -- backstops: the write functions test these first and raise a clean error
  CONSTRAINT accounts_no_overdraft_dr CHECK (NOT debits_must_not_exceed_credits OR debits_pending + debits_posted <= credits_posted),
  CONSTRAINT accounts_no_overdraft_cr CHECK (NOT credits_must_not_exceed_debits OR credits_pending + credits_posted <= debits_posted)
);

CREATE TABLE ledger.transfers (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  idempotency_key   text NOT NULL CONSTRAINT transfers_idempotency_key UNIQUE,
  journal_key       text NOT NULL,
  kind              ledger.transfer_kind NOT NULL,
  debit_account_id  bigint NOT NULL REFERENCES ledger.accounts (id),
  credit_account_id bigint NOT NULL REFERENCES ledger.accounts (id),
  -- post: the amount posted; void/expire: the amount released (not counted as posted)
  amount            bigint NOT NULL CHECK (amount >= 0),
  currency          text NOT NULL,
  reason            text NOT NULL CHECK (reason IN (${REASONS.map((r) => `'${r}'`).join(', ')})),
  pending_id        bigint REFERENCES ledger.transfers (id),
  timeout_at        timestamptz,
  user_data         jsonb NOT NULL DEFAULT '{}',
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT transfers_two_accounts CHECK (debit_account_id <> credit_account_id),
  CONSTRAINT transfers_timeout_only_pending CHECK ((kind = 'pending') = (timeout_at IS NOT NULL)),
  CONSTRAINT transfers_resolution_has_pending CHECK ((kind IN ('post', 'void', 'expire')) = (pending_id IS NOT NULL)),
  CONSTRAINT transfers_single_positive CHECK (kind <> 'single' OR amount > 0)
);
-- a pending transfer resolves at most once (post OR void OR expire)
CREATE UNIQUE INDEX transfers_one_resolution ON ledger.transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX transfers_by_debit ON ledger.transfers (debit_account_id, id);
CREATE INDEX transfers_by_credit ON ledger.transfers (credit_account_id, id);
CREATE INDEX transfers_by_journal ON ledger.transfers (journal_key);

-- the expiry worklist; mutable, not part of the journal
CREATE TABLE ledger.pending_open (
  pending_id bigint PRIMARY KEY REFERENCES ledger.transfers (id),
  timeout_at timestamptz NOT NULL
);
CREATE INDEX pending_open_due ON ledger.pending_open (timeout_at);

-- the first capture's result per hold: a retried capture replies from here and moves no money
CREATE TABLE ledger.hold_captures (
  hold_id          text PRIMARY KEY,
  pending_id       bigint NOT NULL UNIQUE REFERENCES ledger.transfers (id),
  status           text NOT NULL CHECK (status IN ('posted', 'expired')),
  requested_amount bigint NOT NULL CHECK (requested_amount >= 0),
  captured_amount  bigint NOT NULL CHECK (captured_amount >= 0),
  released_amount  bigint NOT NULL CHECK (released_amount >= 0),
  overage_amount   bigint NOT NULL CHECK (overage_amount >= 0),
  unbilled_amount  bigint NOT NULL CHECK (unbilled_amount >= 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (captured_amount + overage_amount + unbilled_amount = requested_amount)
);

CREATE FUNCTION ledger.forbid_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'LDG05'; END $$;
CREATE TRIGGER transfers_no_update_delete BEFORE UPDATE OR DELETE ON ledger.transfers FOR EACH ROW EXECUTE FUNCTION ledger.forbid_mutation();
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON ledger.transfers FOR EACH STATEMENT EXECUTE FUNCTION ledger.forbid_mutation();
CREATE TRIGGER hold_captures_no_update_delete BEFORE UPDATE OR DELETE ON ledger.hold_captures FOR EACH ROW EXECUTE FUNCTION ledger.forbid_mutation();
CREATE TRIGGER hold_captures_no_truncate BEFORE TRUNCATE ON ledger.hold_captures FOR EACH STATEMENT EXECUTE FUNCTION ledger.forbid_mutation();
CREATE TRIGGER accounts_no_delete BEFORE DELETE ON ledger.accounts FOR EACH ROW EXECUTE FUNCTION ledger.forbid_mutation();
CREATE TRIGGER accounts_no_truncate BEFORE TRUNCATE ON ledger.accounts FOR EACH STATEMENT EXECUTE FUNCTION ledger.forbid_mutation();

-- only the balance counters of an account may change
CREATE FUNCTION ledger.guard_account_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.id, NEW.code, NEW.type, NEW.currency, NEW.workspace_id, NEW.debits_must_not_exceed_credits, NEW.credits_must_not_exceed_debits, NEW.created_at)
     IS DISTINCT FROM (OLD.id, OLD.code, OLD.type, OLD.currency, OLD.workspace_id, OLD.debits_must_not_exceed_credits, OLD.credits_must_not_exceed_debits, OLD.created_at) THEN
    RAISE EXCEPTION 'only the balance counters of ledger.accounts may change' USING ERRCODE = 'LDG05';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER accounts_guard_update BEFORE UPDATE ON ledger.accounts FOR EACH ROW EXECUTE FUNCTION ledger.guard_account_update();
`;

/*
 * Error codes raised by the functions (mapped to AppError codes by the service):
 *   LDG01 not_found, LDG02 conflict, LDG03 insufficient_balance, LDG04 invalid_request, LDG05 append-only violation.
 * DETAIL carries a JSON object with safe details.
 */
const FUNCTIONS_SQL = `
-- ascending id order everywhere: two commands never wait on each other in opposite orders
CREATE FUNCTION ledger.lock_accounts(p_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM ledger.accounts WHERE id = ANY (p_ids) ORDER BY id FOR UPDATE;
END $$;

-- a posted single transfer; the caller holds the account locks. Guarded UPDATEs: never read-modify-write.
CREATE FUNCTION ledger.post_single(p_key text, p_journal text, p_debit bigint, p_credit bigint, p_amount bigint, p_reason text, p_user_data jsonb)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v_id bigint; v_code text; v_available bigint;
BEGIN
  UPDATE ledger.accounts SET debits_posted = debits_posted + p_amount, version = version + 1
   WHERE id = p_debit AND (NOT debits_must_not_exceed_credits OR debits_pending + debits_posted + p_amount <= credits_posted);
  IF NOT FOUND THEN
    SELECT code, credits_posted - debits_posted - debits_pending INTO v_code, v_available FROM ledger.accounts WHERE id = p_debit;
    RAISE EXCEPTION USING ERRCODE = 'LDG03', MESSAGE = format('Account %s has insufficient balance.', v_code),
      DETAIL = json_build_object('accountCode', v_code, 'availableMicros', GREATEST(v_available, 0)::text, 'requiredMicros', p_amount::text)::text;
  END IF;
  UPDATE ledger.accounts SET credits_posted = credits_posted + p_amount, version = version + 1
   WHERE id = p_credit AND (NOT credits_must_not_exceed_debits OR credits_pending + credits_posted + p_amount <= debits_posted);
  IF NOT FOUND THEN
    SELECT code, debits_posted - credits_posted - credits_pending INTO v_code, v_available FROM ledger.accounts WHERE id = p_credit;
    RAISE EXCEPTION USING ERRCODE = 'LDG03', MESSAGE = format('Account %s would exceed its debits.', v_code),
      DETAIL = json_build_object('accountCode', v_code, 'availableMicros', GREATEST(v_available, 0)::text, 'requiredMicros', p_amount::text)::text;
  END IF;
  INSERT INTO ledger.transfers (idempotency_key, journal_key, kind, debit_account_id, credit_account_id, amount, currency, reason, user_data)
  SELECT p_key, p_journal, 'single', p_debit, p_credit, p_amount, d.currency, p_reason, p_user_data
    FROM ledger.accounts d JOIN ledger.accounts c ON c.id = p_credit AND c.currency = d.currency
   WHERE d.id = p_debit
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'LDG04', MESSAGE = 'The two accounts of a transfer must share a currency.';
  END IF;
  RETURN v_id;
END $$;

-- resolves an open pending transfer (post for up to its amount, void, expire); caller holds the locks
CREATE FUNCTION ledger.apply_resolution(p_pending_id bigint, p_kind ledger.transfer_kind, p_post_amount bigint, p_reason text, p_user_data jsonb)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE p ledger.transfers; v_post bigint := 0; v_hold_id text;
BEGIN
  SELECT * INTO STRICT p FROM ledger.transfers WHERE id = p_pending_id AND kind = 'pending';
  v_hold_id := substr(p.idempotency_key, length('hold:') + 1);
  IF p_kind = 'post' THEN v_post := LEAST(p_post_amount, p.amount); END IF;
  -- the unique partial index refuses a second resolution even if a caller skipped its check
  INSERT INTO ledger.transfers (idempotency_key, journal_key, kind, debit_account_id, credit_account_id, amount, currency, reason, pending_id, user_data)
  VALUES ('resolve:' || v_hold_id, p.journal_key, p_kind, p.debit_account_id, p.credit_account_id,
          CASE WHEN p_kind = 'post' THEN v_post ELSE p.amount END, p.currency, p_reason, p.id, p_user_data);
  UPDATE ledger.accounts SET debits_pending = debits_pending - p.amount, debits_posted = debits_posted + v_post, version = version + 1
   WHERE id = p.debit_account_id;
  UPDATE ledger.accounts SET credits_pending = credits_pending - p.amount, credits_posted = credits_posted + v_post, version = version + 1
   WHERE id = p.credit_account_id;
  DELETE FROM ledger.pending_open WHERE pending_id = p.id;
  RETURN v_post;
END $$;

-- ledger.transfer.create: every leg in the caller's one transaction, all or nothing
CREATE FUNCTION ledger.create_transfers(p_journal_key text, p_legs jsonb)
RETURNS TABLE (out_key text, out_transfer_id bigint, out_result text) LANGUAGE plpgsql AS $$
DECLARE
  leg jsonb; v_codes text[]; v_missing text; v_key text; v_debit bigint; v_credit bigint; v_amount bigint; v_reason text;
  v_existing ledger.transfers;
BEGIN
  SELECT array_agg(DISTINCT c) INTO v_codes
    FROM jsonb_array_elements(p_legs) l, LATERAL (VALUES (l->>'debitAccount'), (l->>'creditAccount')) v (c);
  SELECT c INTO v_missing FROM unnest(v_codes) c WHERE NOT EXISTS (SELECT 1 FROM ledger.accounts a WHERE a.code = c) LIMIT 1;
  IF v_missing IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'LDG01', MESSAGE = format('Account %s does not exist.', v_missing),
      DETAIL = json_build_object('accountCode', v_missing)::text;
  END IF;
  PERFORM ledger.lock_accounts(ARRAY(SELECT id FROM ledger.accounts WHERE code = ANY (v_codes)));

  FOR leg IN SELECT value FROM jsonb_array_elements(p_legs) LOOP
    v_key := leg->>'idempotencyKey';
    v_amount := (leg->>'amountMicros')::bigint;
    v_reason := leg->>'reason';
    IF v_key ~ '^(hold|resolve|overage|unbilled|late):' THEN
      RAISE EXCEPTION USING ERRCODE = 'LDG04', MESSAGE = format('Idempotency key %s uses a prefix reserved for holds.', v_key),
        DETAIL = json_build_object('idempotencyKey', v_key)::text;
    END IF;
    SELECT id INTO v_debit FROM ledger.accounts WHERE code = leg->>'debitAccount';
    SELECT id INTO v_credit FROM ledger.accounts WHERE code = leg->>'creditAccount';
    IF v_debit = v_credit THEN
      RAISE EXCEPTION USING ERRCODE = 'LDG04', MESSAGE = 'A transfer needs two different accounts.',
        DETAIL = json_build_object('idempotencyKey', v_key)::text;
    END IF;
    SELECT * INTO v_existing FROM ledger.transfers WHERE idempotency_key = v_key;
    IF FOUND THEN
      IF (v_existing.kind, v_existing.debit_account_id, v_existing.credit_account_id, v_existing.amount, v_existing.reason)
         IS DISTINCT FROM ('single'::ledger.transfer_kind, v_debit, v_credit, v_amount, v_reason) THEN
        RAISE EXCEPTION USING ERRCODE = 'LDG02', MESSAGE = format('Transfer %s already exists with different fields.', v_key),
          DETAIL = json_build_object('idempotencyKey', v_key, 'transferId', v_existing.id::text)::text;
      END IF;
      out_key := v_key; out_transfer_id := v_existing.id; out_result := 'exists';
      RETURN NEXT;
      CONTINUE;
    END IF;
    out_key := v_key;
    out_transfer_id := ledger.post_single(v_key, p_journal_key, v_debit, v_credit, v_amount, v_reason, COALESCE(leg->'metadata', '{}'::jsonb));
    out_result := 'created';
    RETURN NEXT;
  END LOOP;
END $$;

-- ledger.hold.create: a pending transfer workspace credit -> revenue:usage with timeout_at from the DB clock
CREATE FUNCTION ledger.create_hold(p_hold_id text, p_workspace_id uuid, p_amount bigint, p_min_amount bigint, p_timeout_ms bigint, p_user_data jsonb)
RETURNS TABLE (out_result text, out_amount bigint, out_available bigint) LANGUAGE plpgsql AS $$
DECLARE
  v_credit_id bigint; v_revenue_id bigint; v_credit ledger.accounts; v_existing ledger.transfers;
  v_available bigint; v_amount bigint; v_id bigint; v_timeout timestamptz;
BEGIN
  SELECT id INTO v_credit_id FROM ledger.accounts WHERE code = 'liability:workspace_credit:' || p_workspace_id::text;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'LDG01', MESSAGE = format('Workspace %s has no ledger account.', p_workspace_id),
      DETAIL = json_build_object('workspaceId', p_workspace_id)::text;
  END IF;
  SELECT id INTO STRICT v_revenue_id FROM ledger.accounts WHERE code = 'revenue:usage';
  PERFORM ledger.lock_accounts(ARRAY[v_credit_id, v_revenue_id]);

  -- read after the lock: these are the latest committed counters
  SELECT * INTO v_credit FROM ledger.accounts WHERE id = v_credit_id;
  v_available := v_credit.credits_posted - v_credit.debits_posted - v_credit.debits_pending;
  SELECT * INTO v_existing FROM ledger.transfers WHERE idempotency_key = 'hold:' || p_hold_id;
  IF FOUND THEN
    IF v_existing.kind <> 'pending' OR v_existing.debit_account_id <> v_credit_id THEN
      RAISE EXCEPTION USING ERRCODE = 'LDG02', MESSAGE = format('Hold %s already exists for another workspace.', p_hold_id),
        DETAIL = json_build_object('holdId', p_hold_id)::text;
    END IF;
    out_result := 'exists'; out_amount := v_existing.amount; out_available := GREATEST(v_available, 0);
    RETURN NEXT;
    RETURN;
  END IF;

  IF v_available >= p_amount THEN
    v_amount := p_amount;
  ELSIF p_min_amount IS NOT NULL AND v_available >= p_min_amount THEN
    v_amount := v_available;  -- partial hold: the caller lowers max_tokens instead of refusing
  ELSE
    RAISE EXCEPTION USING ERRCODE = 'LDG03', MESSAGE = 'Insufficient balance for this request.',
      DETAIL = json_build_object('availableMicros', GREATEST(v_available, 0)::text, 'requiredMicros', COALESCE(p_min_amount, p_amount)::text)::text;
  END IF;

  UPDATE ledger.accounts SET debits_pending = debits_pending + v_amount, version = version + 1
   WHERE id = v_credit_id AND (NOT debits_must_not_exceed_credits OR debits_pending + debits_posted + v_amount <= credits_posted);
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'LDG03', MESSAGE = 'Insufficient balance for this request.',
      DETAIL = json_build_object('availableMicros', GREATEST(v_available, 0)::text, 'requiredMicros', v_amount::text)::text;
  END IF;
  UPDATE ledger.accounts SET credits_pending = credits_pending + v_amount, version = version + 1 WHERE id = v_revenue_id;

  INSERT INTO ledger.transfers (idempotency_key, journal_key, kind, debit_account_id, credit_account_id, amount, currency, reason, timeout_at, user_data)
  VALUES ('hold:' || p_hold_id, 'hold:' || p_hold_id, 'pending', v_credit_id, v_revenue_id, v_amount, v_credit.currency, 'usage_hold',
          now() + p_timeout_ms * interval '1 millisecond', p_user_data)
  RETURNING id, timeout_at INTO v_id, v_timeout;
  INSERT INTO ledger.pending_open (pending_id, timeout_at) VALUES (v_id, v_timeout);

  out_result := 'created'; out_amount := v_amount; out_available := v_available - v_amount;
  RETURN NEXT;
END $$;

-- ledger.hold.capture: post min(amount, held), charge any excess (guarded), book what could not be charged as unbilled
CREATE FUNCTION ledger.capture_hold(p_hold_id text, p_amount bigint, p_user_data jsonb)
RETURNS TABLE (out_result text, out_status text, out_captured bigint, out_released bigint, out_overage bigint, out_unbilled bigint)
LANGUAGE plpgsql AS $$
DECLARE
  p ledger.transfers; r ledger.transfers; c ledger.hold_captures; v_unbilled_id bigint; v_status text;
  v_posted bigint := 0; v_released bigint; v_excess bigint; v_available bigint; v_charge bigint := 0; v_unbilled bigint := 0;
BEGIN
  SELECT * INTO c FROM ledger.hold_captures WHERE hold_id = p_hold_id;
  IF FOUND THEN
    RETURN QUERY SELECT 'exists', c.status, c.captured_amount, c.released_amount, c.overage_amount, c.unbilled_amount;
    RETURN;
  END IF;
  SELECT * INTO p FROM ledger.transfers WHERE idempotency_key = 'hold:' || p_hold_id AND kind = 'pending';
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'LDG01', MESSAGE = format('Hold %s does not exist.', p_hold_id), DETAIL = json_build_object('holdId', p_hold_id)::text;
  END IF;
  SELECT id INTO STRICT v_unbilled_id FROM ledger.accounts WHERE code = 'expense:unbilled_usage';
  -- worklist row before accounts, the same order as the sweeper
  PERFORM 1 FROM ledger.pending_open WHERE pending_id = p.id FOR UPDATE;
  PERFORM ledger.lock_accounts(ARRAY[p.debit_account_id, p.credit_account_id, v_unbilled_id]);

  -- a concurrent capture of the same hold may have committed while we waited
  SELECT * INTO c FROM ledger.hold_captures WHERE hold_id = p_hold_id;
  IF FOUND THEN
    RETURN QUERY SELECT 'exists', c.status, c.captured_amount, c.released_amount, c.overage_amount, c.unbilled_amount;
    RETURN;
  END IF;
  SELECT * INTO r FROM ledger.transfers WHERE pending_id = p.id;
  IF FOUND THEN
    IF r.kind = 'void' THEN
      -- released before: report the final state, move nothing
      RETURN QUERY SELECT 'exists', 'voided', 0::bigint, p.amount, 0::bigint, 0::bigint;
      RETURN;
    ELSIF r.kind = 'post' THEN
      RAISE EXCEPTION 'hold % posted without a capture record', p_hold_id;
    END IF;
    v_status := 'expired';
  ELSIF now() >= p.timeout_at THEN
    PERFORM ledger.apply_resolution(p.id, 'expire', 0, 'hold_expiry', '{}'::jsonb);
    v_status := 'expired';
  ELSE
    v_status := 'posted';
  END IF;

  IF v_status = 'posted' THEN
    v_posted := ledger.apply_resolution(p.id, 'post', p_amount, 'usage_capture', p_user_data);
    v_released := p.amount - v_posted;
    v_excess := p_amount - v_posted;
  ELSE
    v_released := p.amount;
    v_excess := p_amount;  -- late usage: the hold is gone, charge directly
  END IF;

  IF v_excess > 0 THEN
    SELECT GREATEST(credits_posted - debits_posted - debits_pending, 0) INTO v_available FROM ledger.accounts WHERE id = p.debit_account_id;
    v_charge := LEAST(v_excess, v_available);
    IF v_charge > 0 THEN
      PERFORM ledger.post_single(CASE WHEN v_status = 'posted' THEN 'overage:' ELSE 'late:' END || p_hold_id, p.journal_key,
        p.debit_account_id, p.credit_account_id, v_charge, CASE WHEN v_status = 'posted' THEN 'usage_overage' ELSE 'usage_late' END, p_user_data);
    END IF;
    v_unbilled := v_excess - v_charge;
    IF v_unbilled > 0 THEN
      -- revenue still reflects usage; the shortfall is our expense
      PERFORM ledger.post_single('unbilled:' || p_hold_id, p.journal_key, v_unbilled_id, p.credit_account_id, v_unbilled, 'usage_unbilled', p_user_data);
    END IF;
  END IF;

  IF v_status = 'posted' THEN
    out_captured := v_posted; out_overage := v_charge;
  ELSE
    out_captured := v_charge; out_overage := 0;
  END IF;
  INSERT INTO ledger.hold_captures (hold_id, pending_id, status, requested_amount, captured_amount, released_amount, overage_amount, unbilled_amount)
  VALUES (p_hold_id, p.id, v_status, p_amount, out_captured, v_released, out_overage, v_unbilled);
  out_result := 'created'; out_status := v_status; out_released := v_released; out_unbilled := v_unbilled;
  RETURN NEXT;
END $$;

-- ledger.hold.release: void an open hold; a resolved one reports its final state
CREATE FUNCTION ledger.release_hold(p_hold_id text, p_reason text)
RETURNS TABLE (out_result text, out_status text, out_released bigint) LANGUAGE plpgsql AS $$
DECLARE p ledger.transfers; r ledger.transfers;
BEGIN
  SELECT * INTO p FROM ledger.transfers WHERE idempotency_key = 'hold:' || p_hold_id AND kind = 'pending';
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'LDG01', MESSAGE = format('Hold %s does not exist.', p_hold_id), DETAIL = json_build_object('holdId', p_hold_id)::text;
  END IF;
  PERFORM 1 FROM ledger.pending_open WHERE pending_id = p.id FOR UPDATE;
  PERFORM ledger.lock_accounts(ARRAY[p.debit_account_id, p.credit_account_id]);
  SELECT * INTO r FROM ledger.transfers WHERE pending_id = p.id;
  IF FOUND THEN
    RETURN QUERY SELECT 'exists',
      CASE r.kind WHEN 'post' THEN 'posted' WHEN 'void' THEN 'voided' ELSE 'expired' END,
      CASE r.kind WHEN 'post' THEN p.amount - r.amount ELSE p.amount END;
    RETURN;
  END IF;
  IF now() >= p.timeout_at THEN
    PERFORM ledger.apply_resolution(p.id, 'expire', 0, 'hold_expiry', '{}'::jsonb);
    RETURN QUERY SELECT 'created', 'expired', p.amount;
    RETURN;
  END IF;
  PERFORM ledger.apply_resolution(p.id, 'void', 0, 'hold_release', json_build_object('reason', p_reason)::jsonb);
  RETURN QUERY SELECT 'created', 'voided', p.amount;
END $$;

-- the sweeper: claim due holds (other sweepers skip them), then lock their accounts in id order
CREATE FUNCTION ledger.expire_due_holds(p_limit integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE v_ids bigint[]; v_id bigint; v_count integer := 0;
BEGIN
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

/** SYSTEM_ACCOUNTS at the time of this migration (a unit spec keeps it in step with the contract). */
export const MIGRATED_SYSTEM_ACCOUNTS: ReadonlyArray<readonly [code: string, type: string]> = [
  ['equity:owner', 'equity'],
  ['expense:promotions', 'expense'],
  ['expense:unbilled_usage', 'expense'],
  ['revenue:funding_fees', 'revenue'],
  ['revenue:usage', 'revenue'],
];

const SYSTEM_ACCOUNTS_SQL = `
INSERT INTO ledger.accounts (code, type) VALUES
${MIGRATED_SYSTEM_ACCOUNTS.map(([code, type]) => `  ('${code}', '${type}')`).join(',\n')}
ON CONFLICT (code) DO NOTHING;
`;
