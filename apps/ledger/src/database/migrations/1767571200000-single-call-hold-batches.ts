import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APPLY_HOLD_BATCH_SQL, WRITE_BATCH_SQL } from './1767398400000-set-based-hold-batches';
import { TOMBSTONES_SQL } from './1767484800000-hold-release-tombstones';

/**
 * One plpgsql call per hold batch instead of six, and the hot system accounts locked once instead of twice.
 *
 * A 1-command batch cost ~820 µs of Postgres CPU: ~9 SQL statements of the batch (each paying executor start and
 * end, plus its ordered aggregates), the write (constraints, RI and guard triggers), the commit, and on top
 * of that the calls around it: `apply_hold_commands` took the hot system accounts' lock, then called
 * `apply_hold_batch` through `FOR b IN SELECT * FROM …` (the inner result materialised into a tuplestore and
 * copied out row by row), which took the same lock again, each time through two nested plpgsql calls
 * (`lock_hold_system_accounts()` → `lock_accounts(ARRAY(SELECT …))`). See bench/ledger/README.md.
 *
 * Both functions are now generated from one body (`holdBatchFunctionSql`):
 *   - `apply_hold_batch` is unchanged in what it does, and still checked against its reference
 *     (`execute_hold_batch`) by ledger-batch.int-spec;
 *   - `apply_hold_commands` runs the same body inline: lock, tombstone check, then the batch of the commands it
 *     keeps, with no nested call and no second lock, and collects the releases that found no hold while it
 *     decides them;
 *   - the hot system accounts are locked by one statement, the one `lock_hold_system_accounts()` runs (the
 *     same rows, in id order); keep the two in step.
 * Locking order, answers, error codes, tombstones and bookings are the same as before. This trims the fixed cost
 * of a call by a few tens of µs (about 8 % for a 1-command batch, with the repository's named statement); most
 * of it stays: the statements themselves, the write's constraint, index and FK work, and the commit.
 */
export class SingleCallHoldBatches1767571200000 implements MigrationInterface {
  name = 'SingleCallHoldBatches1767571200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(holdBatchFunctionSql('batch'));
    await queryRunner.query(holdBatchFunctionSql('commands'));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(orReplace(APPLY_HOLD_BATCH_SQL));
    const commands = TOMBSTONES_SQL.indexOf('CREATE FUNCTION ledger.apply_hold_commands(');
    if (commands < 0) throw new Error('apply_hold_commands not found in the tombstones migration');
    await queryRunner.query(orReplace(TOMBSTONES_SQL.slice(commands)));
  }
}

function orReplace(sql: string): string {
  if (!sql.includes('CREATE FUNCTION ')) throw new Error('expected a CREATE FUNCTION statement');
  return sql.replace('CREATE FUNCTION ', 'CREATE OR REPLACE FUNCTION ');
}

/** The statement `ledger.lock_hold_system_accounts()` runs: both hot system accounts, in id order. */
const LOCK_HOLD_SYSTEM_ACCOUNTS = `PERFORM 1 FROM ledger.accounts WHERE code IN ('expense:unbilled_usage', 'revenue:usage') ORDER BY id FOR UPDATE;`;

/**
 * `batch`: ledger.apply_hold_batch(jsonb), the set-based batch (see the set-based-hold-batches migration).
 * `commands`: ledger.apply_hold_commands(jsonb), the same batch behind the release tombstones (see the
 * hold-release-tombstones migration): a create whose holdId has a tombstone is refused with LDG02 and left out
 * of the batch; a release that finds no hold (LDG01) leaves a tombstone.
 */
export function holdBatchFunctionSql(variant: 'batch' | 'commands'): string {
  const commands = variant === 'commands';
  const input = commands ? 'v_batch' : 'p_commands';
  const onEmpty = commands ? 'EXIT decide WHEN n = 0;' : 'IF n = 0 THEN RETURN; END IF;';
  const lockAfterParse = commands
    ? '  -- 1. the hot system accounts are locked already (above)\n'
    : `  -- 1. the hot system accounts first: hold batches and the sweeper queue here, so hold state (pending,
  --    resolutions, captures) cannot change under this batch; workspace balances are locked below
  ${LOCK_HOLD_SYSTEM_ACCOUNTS}
`;
  return `
CREATE OR REPLACE FUNCTION ledger.apply_hold_${variant}(p_commands jsonb)
RETURNS TABLE (out_index integer, out_result jsonb, out_error_code text, out_error_message text, out_error_detail text)
-- Every row this function reads or writes is found by key. Generic plans (planned once per connection) and no
-- sequential scans keep it so at any batch size, however small the tables looked when statistics were taken.
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
${commands ? `  v_total integer := jsonb_array_length(p_commands);
  v_batch jsonb := p_commands;         -- the commands decided here: p_commands without the refused creates
  v_refused integer[];                 -- 0-based indexes of the creates that meet a tombstone
  v_pos integer[];                     -- the 0-based index in p_commands of each command of v_batch
  v_tombs text[] := '{}';              -- the holdIds of the releases that found no hold
  f_result jsonb[]; f_code text[]; f_msg text[]; f_detail text[];
` : ''}  n integer;
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
${commands ? `  IF v_total = 0 THEN RETURN; END IF;
  -- the lock every hold batch takes first: no other batch decides a create or a release meanwhile
  ${LOCK_HOLD_SYSTEM_ACCOUNTS}
  SELECT array_agg(x.i::integer - 1 ORDER BY x.i) INTO v_refused
    FROM jsonb_array_elements(p_commands) WITH ORDINALITY AS x (c, i),
         LATERAL (SELECT 1 FROM ledger.hold_tombstones h WHERE h.hold_id = x.c->>'holdId' OFFSET 0) h
   WHERE x.c->>'op' = 'create';
  IF v_refused IS NOT NULL THEN
    -- a late create: refused here, the others decided, answers put back in batch order below
    SELECT COALESCE(jsonb_agg(x.c ORDER BY x.i), '[]'::jsonb), COALESCE(array_agg(x.i::integer - 1 ORDER BY x.i), '{}')
      INTO v_batch, v_pos
      FROM jsonb_array_elements(p_commands) WITH ORDINALITY AS x (c, i)
     WHERE NOT (x.i::integer - 1 = ANY (v_refused));
  END IF;

  <<decide>>
  BEGIN
` : ''}  SELECT count(*)::integer,
         array_agg(e.c->>'op' ORDER BY e.i), array_agg(e.c->>'holdId' ORDER BY e.i),
         array_agg(CASE WHEN e.c->>'op' = 'create' THEN (e.c->>'workspaceId')::uuid END ORDER BY e.i),
         array_agg((e.c->>'amount')::bigint ORDER BY e.i), array_agg((e.c->>'minAmount')::bigint ORDER BY e.i),
         array_agg((e.c->>'timeoutMs')::bigint ORDER BY e.i), array_agg(COALESCE(e.c->'metadata', '{}'::jsonb) ORDER BY e.i),
         array_agg(e.c->>'reason' ORDER BY e.i), array_agg(e.rn > 1 ORDER BY e.i)
    INTO n, c_op, c_hold, c_ws, c_amount, c_min, c_timeout, c_meta, c_reason, c_dup
    FROM (SELECT x.c, x.i, row_number() OVER (PARTITION BY x.c->>'holdId' ORDER BY x.i) AS rn
            FROM jsonb_array_elements(${input}) WITH ORDINALITY AS x (c, i)) e;
  ${onEmpty}

${lockAfterParse}
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

${decideLoopSql(commands)}

${WRITE_BATCH_SQL}${commands ? `  END decide;

  IF cardinality(v_tombs) > 0 THEN
    INSERT INTO ledger.hold_tombstones (hold_id) SELECT unnest(v_tombs) ON CONFLICT DO NOTHING;
  END IF;

  IF v_refused IS NULL THEN
    RETURN QUERY SELECT (x.i - 1)::integer, x.res, x.code, x.msg, x.detail
      FROM unnest(r_result, r_code, r_msg, r_detail) WITH ORDINALITY AS x (res, code, msg, detail, i);
    RETURN;
  END IF;
${REFUSED_ANSWERS_SQL}` : `  RETURN QUERY SELECT (x.i - 1)::integer, x.res, x.code, x.msg, x.detail
    FROM unnest(r_result, r_code, r_msg, r_detail) WITH ORDINALITY AS x (res, code, msg, detail, i);
`}END $$;
`;
}

/**
 * Step 5 of both batch functions: decide every command in batch order against the state read before it. Later
 * migrations reuse it unchanged; with `commands`, a release that finds no hold is remembered for its tombstone.
 */
export function decideLoopSql(commands: boolean): string {
  const onReleaseNotFound = commands ? '\n        v_tombs := v_tombs || c_hold[i];' : '';
  return `  -- 5. decide, in batch order; checks first, effects only once the command is sure to succeed
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
        r_code[i] := 'LDG01'; r_msg[i] := format('Hold %s does not exist.', c_hold[i]); r_detail[i] := json_build_object('holdId', c_hold[i])::text;${onReleaseNotFound}
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
  END LOOP;`;
}

/**
 * The end of `apply_hold_commands` when some creates were refused: their LDG02 answers and the others' answers,
 * put back in batch order. Later migrations reuse it unchanged.
 */
export const REFUSED_ANSWERS_SQL = `  f_result := array_fill(NULL::jsonb, ARRAY[v_total]); f_code := array_fill(NULL::text, ARRAY[v_total]);
  f_msg := array_fill(NULL::text, ARRAY[v_total]); f_detail := array_fill(NULL::text, ARRAY[v_total]);
  FOREACH i IN ARRAY v_refused LOOP
    f_code[i + 1] := 'LDG02'; f_msg[i + 1] := format('Hold %s was released before it was created.', p_commands->i->>'holdId');
    f_detail[i + 1] := json_build_object('holdId', p_commands->i->>'holdId')::text;
  END LOOP;
  FOR k IN 1 .. cardinality(v_pos) LOOP
    i := v_pos[k] + 1;
    f_result[i] := r_result[k]; f_code[i] := r_code[k]; f_msg[i] := r_msg[k]; f_detail[i] := r_detail[k];
  END LOOP;
  RETURN QUERY SELECT (g.i - 1)::integer, f_result[g.i], f_code[g.i], f_msg[g.i], f_detail[g.i] FROM generate_series(1, v_total) AS g (i);
`;
