import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Set-based group commit for hold commands: `ledger.apply_hold_batch(jsonb)` decides a whole batch in one
 * pass and writes it with a handful of statements, instead of ~10 statements and one subtransaction per
 * command (`ledger.execute_hold_batch`, kept for rollback).
 *
 *   1. parse the batch (one statement); a holdId that appears twice is answered 40001 after its first
 *      occurrence (the batcher sends it again in the next batch, where it sees the first one's result)
 *   2. lock, in the documented order: hot system accounts → pending_open rows → every account the batch
 *      touches (one SELECT … ORDER BY id FOR UPDATE), and read their counters after the lock
 *   3. decide every command in batch order against those counters, kept in plpgsql arrays: a command that
 *      fails its check gets its own error and changes nothing; later commands see earlier ones' effects
 *      (a hot account's holds are decided one after the other, exactly as the single-command functions did)
 *   4. write everything in one statement: one multi-row INSERT of transfers, the pending_open rows, the
 *      hold_captures rows, and one UPDATE per touched account with its aggregated counter deltas.
 *
 * The guarantees stay in the database: the CHECK constraints on the counters, the unique idempotency_key and
 * pending_id indexes and the append-only triggers are the backstop; a violation aborts the whole statement
 * (nothing of the batch commits) and the batcher retries it.
 */
export class SetBasedHoldBatches1767398400000 implements MigrationInterface {
  name = 'SetBasedHoldBatches1767398400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(APPLY_HOLD_BATCH_SQL);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION IF EXISTS ledger.apply_hold_batch(jsonb)');
  }
}

/**
 * Step 6 of the hold batch functions: one statement writes the transfers, the `pending_open` rows opened and
 * closed, the capture records and the account counters. Later migrations reuse it unchanged.
 */
export const WRITE_BATCH_SQL = `  -- 6. one statement writes the batch; any constraint it trips aborts all of it
  IF nt > 0 THEN
    WITH ins AS (
      INSERT INTO ledger.transfers (idempotency_key, journal_key, kind, debit_account_id, credit_account_id, amount, currency, reason, pending_id, timeout_at, user_data)
      SELECT x.key, x.journal, x.kind, x.dr, x.cr, x.amount, x.cur, x.reason, x.pending,
             CASE WHEN x.kind = 'pending' THEN now() + x.timeout_ms * interval '1 millisecond' END, x.user_data
        FROM unnest(t_key, t_journal, t_kind, t_dr, t_cr, t_amount, t_cur, t_reason, t_pending, t_timeout_ms, t_user)
             AS x (key, journal, kind, dr, cr, amount, cur, reason, pending, timeout_ms, user_data)
      RETURNING id, kind, timeout_at
    ), opened AS (
      INSERT INTO ledger.pending_open (pending_id, timeout_at) SELECT id, timeout_at FROM ins WHERE kind = 'pending'
    ), closed AS (
      DELETE FROM ledger.pending_open WHERE pending_id = ANY (d_pid)
    ), captured AS (
      INSERT INTO ledger.hold_captures (hold_id, pending_id, status, requested_amount, captured_amount, released_amount, overage_amount, unbilled_amount)
      SELECT * FROM unnest(h_hold, h_pid, h_status, h_req, h_cap, h_rel, h_over, h_unb)
    )
    UPDATE ledger.accounts a
       SET debits_pending = a.debits_pending + (d.dp - d.odp), debits_posted = a.debits_posted + (d.dpo - d.odpo),
           credits_pending = a.credits_pending + (d.cp - d.ocp), credits_posted = a.credits_posted + (d.cpo - d.ocpo),
           version = a.version + d.changes
      FROM unnest(a_id, a_dp, o_dp, a_dpo, o_dpo, a_cp, o_cp, a_cpo, o_cpo, a_n) AS d (id, dp, odp, dpo, odpo, cp, ocp, cpo, ocpo, changes)
     WHERE a.id = d.id AND d.changes > 0;
  END IF;
`;

export const APPLY_HOLD_BATCH_SQL = `
CREATE FUNCTION ledger.apply_hold_batch(p_commands jsonb)
RETURNS TABLE (out_index integer, out_result jsonb, out_error_code text, out_error_message text, out_error_detail text)
-- Every row this function reads or writes is found by key. Generic plans (planned once per connection) and no
-- sequential scans keep it so at any batch size, however small the tables looked when statistics were taken.
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
  n integer;
  -- the commands, 1-based in batch order
  c_op text[]; c_hold text[]; c_ws uuid[]; c_amount bigint[]; c_min bigint[]; c_timeout bigint[]; c_meta jsonb[]; c_reason text[]; c_dup boolean[];
  -- what each command refers to (read after the locks)
  c_acc integer[];                                  -- create: the workspace credit account (index into a_*)
  c_pid bigint[]; c_pkind text[]; c_pdr integer[]; c_pcr integer[]; c_pamount bigint[]; c_ptimeout timestamptz[]; c_pjournal text[];
  c_pdr_id bigint[];                                -- the hold's debit account id (create: conflict check)
  c_rkind text[]; c_ramount bigint[];               -- the hold's resolution, if any
  c_cap jsonb[];                                    -- the hold's capture record, if any
  -- the locked accounts, in id order; counters are running values, o_* the values read under the lock
  a_id bigint[]; a_code text[]; a_cur text[]; a_drg boolean[]; a_crg boolean[];
  a_dp bigint[]; a_dpo bigint[]; a_cp bigint[]; a_cpo bigint[]; a_n integer[];
  o_dp bigint[]; o_dpo bigint[]; o_cp bigint[]; o_cpo bigint[];
  v_unbilled integer; v_revenue integer;
  v_pending_ids bigint[]; v_pdr_ids bigint[]; v_pcr_ids bigint[]; v_account_ids bigint[];
  -- results
  r_result jsonb[]; r_code text[]; r_msg text[]; r_detail text[];
  -- transfers to insert
  t_key text[] := '{}'; t_journal text[] := '{}'; t_kind ledger.transfer_kind[] := '{}'; t_dr bigint[] := '{}'; t_cr bigint[] := '{}';
  t_amount bigint[] := '{}'; t_cur text[] := '{}'; t_reason text[] := '{}'; t_pending bigint[] := '{}'; t_timeout_ms bigint[] := '{}'; t_user jsonb[] := '{}';
  nt integer := 0;
  -- hold_captures rows to insert
  h_hold text[] := '{}'; h_pid bigint[] := '{}'; h_status text[] := '{}'; h_req bigint[] := '{}'; h_cap bigint[] := '{}'; h_rel bigint[] := '{}';
  h_over bigint[] := '{}'; h_unb bigint[] := '{}';
  nh integer := 0;
  -- pending_open rows to delete
  d_pid bigint[] := '{}';
  -- per command scratch
  i integer; k integer; dr integer; cr integer; ub integer; c_max constant bigint := 9223372036854775807;
  v_available bigint; v_amount bigint; v_post bigint; v_excess bigint; v_charge bigint; v_unbilled_amt bigint; v_status text; v_expire boolean;
BEGIN
  SELECT count(*)::integer,
         array_agg(e.c->>'op' ORDER BY e.i), array_agg(e.c->>'holdId' ORDER BY e.i),
         array_agg(CASE WHEN e.c->>'op' = 'create' THEN (e.c->>'workspaceId')::uuid END ORDER BY e.i),
         array_agg((e.c->>'amount')::bigint ORDER BY e.i), array_agg((e.c->>'minAmount')::bigint ORDER BY e.i),
         array_agg((e.c->>'timeoutMs')::bigint ORDER BY e.i), array_agg(COALESCE(e.c->'metadata', '{}'::jsonb) ORDER BY e.i),
         array_agg(e.c->>'reason' ORDER BY e.i), array_agg(e.rn > 1 ORDER BY e.i)
    INTO n, c_op, c_hold, c_ws, c_amount, c_min, c_timeout, c_meta, c_reason, c_dup
    FROM (SELECT x.c, x.i, row_number() OVER (PARTITION BY x.c->>'holdId' ORDER BY x.i) AS rn
            FROM jsonb_array_elements(p_commands) WITH ORDINALITY AS x (c, i)) e;
  IF n = 0 THEN RETURN; END IF;

  -- 1. the hot system accounts first: hold batches and the sweeper queue here, so hold state (pending,
  --    resolutions, captures) cannot change under this batch; workspace balances are locked below
  PERFORM ledger.lock_hold_system_accounts();

  -- 2. the holds the batch refers to (transfers are immutable), then their expiry worklist rows, in id order.
  --    Every lookup by key is a LATERAL (… OFFSET 0) probe of its unique index, so no plan can turn it into
  --    a scan of the journal, whatever the table statistics say.
  SELECT array_agg(p.id ORDER BY p.id), array_agg(p.debit_account_id), array_agg(p.credit_account_id)
    INTO v_pending_ids, v_pdr_ids, v_pcr_ids
    FROM unnest(c_hold) AS h (hold_id),
         LATERAL (SELECT t.id, t.debit_account_id, t.credit_account_id FROM ledger.transfers t
                   WHERE t.idempotency_key = 'hold:' || h.hold_id AND t.kind = 'pending' OFFSET 0) p;
  PERFORM 1 FROM unnest(v_pending_ids) AS x (id), LATERAL (SELECT 1 FROM ledger.pending_open o WHERE o.pending_id = x.id FOR UPDATE) o;

  -- 3. every account the batch can touch, locked in id order, read under the lock
  SELECT array_agg(DISTINCT s.id ORDER BY s.id) INTO v_account_ids FROM (
    SELECT a.id
      FROM unnest(ARRAY['expense:unbilled_usage', 'revenue:usage']
                  || ARRAY(SELECT 'liability:workspace_credit:' || w::text FROM unnest(c_ws) w WHERE w IS NOT NULL)) AS c (code),
           LATERAL (SELECT id FROM ledger.accounts WHERE code = c.code OFFSET 0) a
    UNION ALL SELECT unnest(v_pdr_ids)
    UNION ALL SELECT unnest(v_pcr_ids)) s;
  SELECT array_agg(x.id ORDER BY k.ord), array_agg(x.code ORDER BY k.ord), array_agg(x.currency ORDER BY k.ord),
         array_agg(x.debits_must_not_exceed_credits ORDER BY k.ord), array_agg(x.credits_must_not_exceed_debits ORDER BY k.ord),
         array_agg(x.debits_pending ORDER BY k.ord), array_agg(x.debits_posted ORDER BY k.ord),
         array_agg(x.credits_pending ORDER BY k.ord), array_agg(x.credits_posted ORDER BY k.ord)
    INTO a_id, a_code, a_cur, a_drg, a_crg, a_dp, a_dpo, a_cp, a_cpo
    FROM unnest(v_account_ids) WITH ORDINALITY AS k (id, ord),
         LATERAL (SELECT a.id, a.code, a.currency, a.debits_must_not_exceed_credits, a.credits_must_not_exceed_debits,
                         a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted
                    FROM ledger.accounts a WHERE a.id = k.id FOR UPDATE) x;
  o_dp := a_dp; o_dpo := a_dpo; o_cp := a_cp; o_cpo := a_cpo;
  a_n := array_fill(0, ARRAY[cardinality(a_id)]);
  v_unbilled := array_position(a_code, 'expense:unbilled_usage');
  v_revenue := array_position(a_code, 'revenue:usage');

  -- 4. per command: its account, its hold, the hold's resolution and capture record
  SELECT array_agg(wa.ord::integer ORDER BY c.i), array_agg(p.id ORDER BY c.i), array_agg(p.kind::text ORDER BY c.i),
         array_agg(pd.ord::integer ORDER BY c.i), array_agg(pc.ord::integer ORDER BY c.i), array_agg(p.amount ORDER BY c.i),
         array_agg(p.timeout_at ORDER BY c.i), array_agg(p.journal_key ORDER BY c.i), array_agg(p.debit_account_id ORDER BY c.i),
         array_agg(r.kind::text ORDER BY c.i), array_agg(r.amount ORDER BY c.i),
         array_agg(CASE WHEN hc.hold_id IS NOT NULL THEN jsonb_build_object('result', 'exists', 'status', hc.status, 'captured', hc.captured_amount::text,
           'released', hc.released_amount::text, 'overage', hc.overage_amount::text, 'unbilled', hc.unbilled_amount::text) END ORDER BY c.i)
    INTO c_acc, c_pid, c_pkind, c_pdr, c_pcr, c_pamount, c_ptimeout, c_pjournal, c_pdr_id, c_rkind, c_ramount, c_cap
    FROM unnest(c_hold, c_ws) WITH ORDINALITY AS c (h, ws, i)
    LEFT JOIN unnest(a_code) WITH ORDINALITY AS wa (code, ord) ON c.ws IS NOT NULL AND wa.code = 'liability:workspace_credit:' || c.ws::text
    LEFT JOIN LATERAL (SELECT t.id, t.kind, t.debit_account_id, t.credit_account_id, t.amount, t.timeout_at, t.journal_key
                         FROM ledger.transfers t WHERE t.idempotency_key = 'hold:' || c.h OFFSET 0) p ON true
    LEFT JOIN unnest(a_id) WITH ORDINALITY AS pd (id, ord) ON pd.id = p.debit_account_id
    LEFT JOIN unnest(a_id) WITH ORDINALITY AS pc (id, ord) ON pc.id = p.credit_account_id
    LEFT JOIN LATERAL (SELECT t.kind, t.amount FROM ledger.transfers t WHERE p.kind = 'pending' AND t.pending_id = p.id OFFSET 0) r ON true
    LEFT JOIN LATERAL (SELECT * FROM ledger.hold_captures WHERE hold_id = c.h OFFSET 0) hc ON true;

  r_result := array_fill(NULL::jsonb, ARRAY[n]); r_code := array_fill(NULL::text, ARRAY[n]);
  r_msg := array_fill(NULL::text, ARRAY[n]); r_detail := array_fill(NULL::text, ARRAY[n]);

  -- 5. decide, in batch order; checks first, effects only once the command is sure to succeed
  FOR i IN 1 .. n LOOP
    IF c_dup[i] THEN
      r_code[i] := '40001'; r_msg[i] := format('Hold %s appears earlier in this batch; send it again.', c_hold[i]);
      CONTINUE;
    END IF;

    IF c_op[i] = 'create' THEN
      k := c_acc[i];
      IF k IS NULL THEN
        r_code[i] := 'LDG01'; r_msg[i] := format('Workspace %s has no ledger account.', c_ws[i]);
        r_detail[i] := json_build_object('workspaceId', c_ws[i])::text;
        CONTINUE;
      END IF;
      v_available := a_cpo[k] - a_dpo[k] - a_dp[k];
      IF c_pid[i] IS NOT NULL THEN
        IF c_pkind[i] <> 'pending' OR c_pdr_id[i] <> a_id[k] THEN
          r_code[i] := 'LDG02'; r_msg[i] := format('Hold %s already exists for another workspace.', c_hold[i]);
          r_detail[i] := json_build_object('holdId', c_hold[i])::text;
        ELSE
          r_result[i] := jsonb_build_object('result', 'exists', 'amount', c_pamount[i]::text, 'available', GREATEST(v_available, 0)::text);
        END IF;
        CONTINUE;
      END IF;
      IF v_available >= c_amount[i] THEN
        v_amount := c_amount[i];
      ELSIF c_min[i] IS NOT NULL AND v_available >= c_min[i] THEN
        v_amount := v_available;  -- partial hold: the caller lowers max_tokens instead of refusing
      ELSE
        r_code[i] := 'LDG03'; r_msg[i] := 'Insufficient balance for this request.';
        r_detail[i] := json_build_object('availableMicros', GREATEST(v_available, 0)::text, 'requiredMicros', COALESCE(c_min[i], c_amount[i])::text)::text;
        CONTINUE;
      END IF;
      IF v_amount > c_max - a_cp[v_revenue] THEN
        -- one command's overflow must not abort the batch (the single-command path failed alone with 22003)
        r_code[i] := '22003'; r_msg[i] := 'bigint out of range';
        CONTINUE;
      END IF;
      IF a_drg[k] AND a_dp[k] + a_dpo[k] + v_amount > a_cpo[k] THEN
        r_code[i] := 'LDG03'; r_msg[i] := 'Insufficient balance for this request.';
        r_detail[i] := json_build_object('availableMicros', GREATEST(v_available, 0)::text, 'requiredMicros', v_amount::text)::text;
        CONTINUE;
      END IF;
      a_dp[k] := a_dp[k] + v_amount; a_n[k] := a_n[k] + 1;
      a_cp[v_revenue] := a_cp[v_revenue] + v_amount; a_n[v_revenue] := a_n[v_revenue] + 1;
      nt := nt + 1;
      t_key[nt] := 'hold:' || c_hold[i]; t_journal[nt] := 'hold:' || c_hold[i]; t_kind[nt] := 'pending'; t_dr[nt] := a_id[k]; t_cr[nt] := a_id[v_revenue];
      t_amount[nt] := v_amount; t_cur[nt] := a_cur[k]; t_reason[nt] := 'usage_hold'; t_pending[nt] := NULL; t_timeout_ms[nt] := c_timeout[i]; t_user[nt] := c_meta[i];
      r_result[i] := jsonb_build_object('result', 'created', 'amount', v_amount::text, 'available', (v_available - v_amount)::text);

    ELSIF c_op[i] = 'capture' THEN
      IF c_cap[i] IS NOT NULL THEN
        r_result[i] := c_cap[i];
        CONTINUE;
      END IF;
      IF c_pid[i] IS NULL OR c_pkind[i] <> 'pending' THEN
        r_code[i] := 'LDG01'; r_msg[i] := format('Hold %s does not exist.', c_hold[i]); r_detail[i] := json_build_object('holdId', c_hold[i])::text;
        CONTINUE;
      END IF;
      dr := c_pdr[i]; cr := c_pcr[i]; ub := v_unbilled;
      IF c_rkind[i] = 'void' THEN
        r_result[i] := jsonb_build_object('result', 'exists', 'status', 'voided', 'captured', '0', 'released', c_pamount[i]::text, 'overage', '0', 'unbilled', '0');
        CONTINUE;
      ELSIF c_rkind[i] = 'post' THEN
        r_code[i] := 'P0001'; r_msg[i] := format('hold %s posted without a capture record', c_hold[i]);
        CONTINUE;
      END IF;
      v_expire := c_rkind[i] IS NULL AND now() >= c_ptimeout[i];
      v_status := CASE WHEN c_rkind[i] = 'expire' OR v_expire THEN 'expired' ELSE 'posted' END;
      IF v_status = 'posted' THEN
        v_post := LEAST(c_amount[i], c_pamount[i]);
      ELSE
        v_post := 0;
      END IF;
      v_excess := c_amount[i] - v_post;
      -- the debit account's availability once this hold is resolved (its pending amount freed, v_post posted)
      v_available := CASE WHEN c_rkind[i] IS NULL THEN a_cpo[dr] - (a_dpo[dr] + v_post) - (a_dp[dr] - c_pamount[i])
                          ELSE a_cpo[dr] - a_dpo[dr] - a_dp[dr] END;
      v_charge := LEAST(v_excess, GREATEST(v_available, 0));
      v_unbilled_amt := v_excess - v_charge;
      -- the guards the single-command path checked (post_single); with these amounts only an odd flag can trip them
      IF v_charge > 0 AND a_crg[cr] AND (a_cp[cr] - (CASE WHEN c_rkind[i] IS NULL THEN c_pamount[i] ELSE 0 END) + a_cpo[cr] + v_post + v_charge > a_dpo[cr]) THEN
        r_code[i] := 'LDG03'; r_msg[i] := format('Account %s would exceed its debits.', a_code[cr]);
        CONTINUE;
      END IF;
      -- what the counters gain: the debit account at most what it can afford; revenue the whole requested
      -- amount; unbilled usage the rest
      IF c_amount[i] > c_max - a_cpo[cr] OR v_unbilled_amt > c_max - a_dpo[ub] THEN
        r_code[i] := '22003'; r_msg[i] := 'bigint out of range';
        CONTINUE;
      END IF;
      IF v_unbilled_amt > 0 AND (a_drg[ub] OR a_cur[ub] <> a_cur[cr]) THEN
        r_code[i] := CASE WHEN a_cur[ub] <> a_cur[cr] THEN 'LDG04' ELSE 'LDG03' END; r_msg[i] := 'The unbilled usage cannot be booked.';
        CONTINUE;
      END IF;
      IF c_rkind[i] IS NULL THEN
        -- resolve the hold: post for up to its amount, or expire it
        a_dp[dr] := a_dp[dr] - c_pamount[i]; a_dpo[dr] := a_dpo[dr] + v_post; a_n[dr] := a_n[dr] + 1;
        a_cp[cr] := a_cp[cr] - c_pamount[i]; a_cpo[cr] := a_cpo[cr] + v_post; a_n[cr] := a_n[cr] + 1;
        nt := nt + 1;
        t_key[nt] := 'resolve:' || c_hold[i]; t_journal[nt] := c_pjournal[i]; t_dr[nt] := a_id[dr]; t_cr[nt] := a_id[cr];
        t_cur[nt] := a_cur[dr]; t_pending[nt] := c_pid[i]; t_timeout_ms[nt] := NULL;
        IF v_status = 'posted' THEN
          t_kind[nt] := 'post'; t_amount[nt] := v_post; t_reason[nt] := 'usage_capture'; t_user[nt] := c_meta[i];
        ELSE
          t_kind[nt] := 'expire'; t_amount[nt] := c_pamount[i]; t_reason[nt] := 'hold_expiry'; t_user[nt] := '{}'::jsonb;
        END IF;
        d_pid := d_pid || c_pid[i];
      END IF;
      IF v_charge > 0 THEN
        a_dpo[dr] := a_dpo[dr] + v_charge; a_n[dr] := a_n[dr] + 1;
        a_cpo[cr] := a_cpo[cr] + v_charge; a_n[cr] := a_n[cr] + 1;
        nt := nt + 1;
        t_key[nt] := CASE WHEN v_status = 'posted' THEN 'overage:' ELSE 'late:' END || c_hold[i]; t_journal[nt] := c_pjournal[i];
        t_kind[nt] := 'single'; t_dr[nt] := a_id[dr]; t_cr[nt] := a_id[cr]; t_amount[nt] := v_charge; t_cur[nt] := a_cur[dr];
        t_reason[nt] := CASE WHEN v_status = 'posted' THEN 'usage_overage' ELSE 'usage_late' END; t_pending[nt] := NULL; t_timeout_ms[nt] := NULL;
        t_user[nt] := c_meta[i];
      END IF;
      IF v_unbilled_amt > 0 THEN
        -- revenue still reflects usage; the shortfall is our expense
        a_dpo[ub] := a_dpo[ub] + v_unbilled_amt; a_n[ub] := a_n[ub] + 1;
        a_cpo[cr] := a_cpo[cr] + v_unbilled_amt; a_n[cr] := a_n[cr] + 1;
        nt := nt + 1;
        t_key[nt] := 'unbilled:' || c_hold[i]; t_journal[nt] := c_pjournal[i]; t_kind[nt] := 'single'; t_dr[nt] := a_id[ub]; t_cr[nt] := a_id[cr];
        t_amount[nt] := v_unbilled_amt; t_cur[nt] := a_cur[ub]; t_reason[nt] := 'usage_unbilled'; t_pending[nt] := NULL; t_timeout_ms[nt] := NULL;
        t_user[nt] := c_meta[i];
      END IF;
      nh := nh + 1;
      h_hold[nh] := c_hold[i]; h_pid[nh] := c_pid[i]; h_status[nh] := v_status; h_req[nh] := c_amount[i];
      h_cap[nh] := CASE WHEN v_status = 'posted' THEN v_post ELSE v_charge END;
      h_rel[nh] := c_pamount[i] - v_post;
      h_over[nh] := CASE WHEN v_status = 'posted' THEN v_charge ELSE 0 END;
      h_unb[nh] := v_unbilled_amt;
      r_result[i] := jsonb_build_object('result', 'created', 'status', v_status, 'captured', h_cap[nh]::text, 'released', h_rel[nh]::text,
        'overage', h_over[nh]::text, 'unbilled', v_unbilled_amt::text);

    ELSIF c_op[i] = 'release' THEN
      IF c_pid[i] IS NULL OR c_pkind[i] <> 'pending' THEN
        r_code[i] := 'LDG01'; r_msg[i] := format('Hold %s does not exist.', c_hold[i]); r_detail[i] := json_build_object('holdId', c_hold[i])::text;
        CONTINUE;
      END IF;
      IF c_rkind[i] IS NOT NULL THEN
        r_result[i] := jsonb_build_object('result', 'exists',
          'status', CASE c_rkind[i] WHEN 'post' THEN 'posted' WHEN 'void' THEN 'voided' ELSE 'expired' END,
          'released', (CASE c_rkind[i] WHEN 'post' THEN c_pamount[i] - c_ramount[i] ELSE c_pamount[i] END)::text);
        CONTINUE;
      END IF;
      dr := c_pdr[i]; cr := c_pcr[i];
      v_expire := now() >= c_ptimeout[i];
      a_dp[dr] := a_dp[dr] - c_pamount[i]; a_n[dr] := a_n[dr] + 1;
      a_cp[cr] := a_cp[cr] - c_pamount[i]; a_n[cr] := a_n[cr] + 1;
      nt := nt + 1;
      t_key[nt] := 'resolve:' || c_hold[i]; t_journal[nt] := c_pjournal[i]; t_dr[nt] := a_id[dr]; t_cr[nt] := a_id[cr];
      t_amount[nt] := c_pamount[i]; t_cur[nt] := a_cur[dr]; t_pending[nt] := c_pid[i]; t_timeout_ms[nt] := NULL;
      IF v_expire THEN
        t_kind[nt] := 'expire'; t_reason[nt] := 'hold_expiry'; t_user[nt] := '{}'::jsonb;
      ELSE
        t_kind[nt] := 'void'; t_reason[nt] := 'hold_release'; t_user[nt] := json_build_object('reason', c_reason[i])::jsonb;
      END IF;
      d_pid := d_pid || c_pid[i];
      r_result[i] := jsonb_build_object('result', 'created', 'status', CASE WHEN v_expire THEN 'expired' ELSE 'voided' END, 'released', c_pamount[i]::text);

    ELSE
      r_code[i] := 'LDG04'; r_msg[i] := format('Unknown hold command %s.', c_op[i]);
    END IF;
  END LOOP;

${WRITE_BATCH_SQL}
  RETURN QUERY SELECT (x.i - 1)::integer, x.res, x.code, x.msg, x.detail
    FROM unnest(r_result, r_code, r_msg, r_detail) WITH ORDINALITY AS x (res, code, msg, detail, i);
END $$;
`;
