import type { MigrationInterface, QueryRunner } from 'typeorm';
import { decideLoopSql, holdBatchFunctionSql as previousHoldBatchFunctionSql, REFUSED_ANSWERS_SQL } from './1767571200000-single-call-hold-batches';

/**
 * A cheaper fixed cost per hold batch: fewer statements, fewer plan nodes, no sort per aggregate.
 *
 * A small batch (1–5 commands, what the ledger sends at 1,000 holds/s) pays mostly per statement, not per
 * command (see bench/ledger/README.md, "The fixed cost of a small batch"). Both functions (`apply_hold_batch`
 * and `apply_hold_commands`, still generated from one body) change as follows; what they decide, answer,
 * lock (rows and order) and write does not:
 *   - one statement parses the batch and reads what each command refers to (its hold, the hold's resolution
 *     and capture record; in `apply_hold_commands` also the release tombstones), right after the
 *     system-account lock. These reads used to be three statements, the last one after the `pending_open` and
 *     account locks; under the system-account lock, which every writer of hold state takes (hold batches, the
 *     sweeper, the single-command functions through revenue:usage / expense:unbilled_usage), they read the
 *     same rows before those locks as after them;
 *   - `apply_hold_batch` takes the system-account lock before its parse, like `apply_hold_commands` (an empty
 *     batch still returns before any lock);
 *   - `pending_open` rows are locked by their own statement, in pending id order as before, and only when the
 *     batch refers to a pending hold;
 *   - the accounts are found and locked by one scan (code or id, sorted by id, FOR UPDATE) instead of one
 *     statement for the ids and a lookup per id: the same rows, locked in the same order, read under the lock;
 *   - every `array_agg(… ORDER BY i)` (33, each its own sort in Postgres 15) reads a subquery sorted once
 *     instead: the documented way to feed an aggregate ordered input (a subquery with ORDER BY is never
 *     flattened into its parent);
 *   - batches of up to SMALL_BATCH commands find duplicate holdIds, map commands to their accounts and return
 *     their rows in plpgsql loops instead of a window function, a statement and a RETURN QUERY;
 *   - the write statement leaves out the CTEs that have no rows to write (a batch of creates closes no hold and
 *     records no capture; a batch of captures and releases opens no hold): an empty INSERT or DELETE fires no
 *     trigger and writes nothing, but pays its executor start;
 *   - the arrays the decide loop appends to start NULL instead of '{}' (each default is an expression compiled
 *     and evaluated on every call); an element assigned to a NULL array makes a 1-element array, and the two
 *     emptiness tests read `IS NULL`.
 * The decide loop is unchanged, character for character. A refused create (tombstone) is handled as before: the
 * batch is parsed again without it, and the first parse casts none of its fields. `down()` restores the
 * previous definitions.
 */
export class CheaperHoldBatches1767657600000 implements MigrationInterface {
  name = 'CheaperHoldBatches1767657600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(holdBatchFunctionSql('batch'));
    await queryRunner.query(holdBatchFunctionSql('commands'));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(previousHoldBatchFunctionSql('batch'));
    await queryRunner.query(previousHoldBatchFunctionSql('commands'));
  }
}

/** The statement `ledger.lock_hold_system_accounts()` runs: both hot system accounts, in id order. */
const LOCK_HOLD_SYSTEM_ACCOUNTS = `PERFORM 1 FROM ledger.accounts WHERE code IN ('expense:unbilled_usage', 'revenue:usage') ORDER BY id FOR UPDATE;`;

/**
 * The parse and the lookups, one statement run after the system-account lock: the commands of `input` into the
 * c_* arrays, in batch order, c_dup set on a holdId's second and later commands; for each command its hold (the
 * transfer keyed `hold:<holdId>`, any kind, as before), the hold's resolution and its capture record; and the
 * pending holds' ids and accounts (v_pending_ids, v_pdr_ids, v_pcr_ids: what the locks below take).
 * Without `duplicates`, c_dup is left to the caller (a small batch finds its duplicates in a loop, cheaper than
 * the window function and its sort).
 * With `tombstones`, it also collects into v_refused the 0-based indexes of the creates whose holdId has a
 * tombstone, and casts none of their fields (the caller then runs it again on the commands it keeps).
 */
function parseSql(input: string, tombstones: boolean, duplicates: boolean): string {
  const cast = (field: string) => (tombstones ? `(CASE WHEN e.refused IS NULL THEN e.c->>'${field}' END)` : `(e.c->>'${field}')`);
  return `SELECT count(*)::integer,
         array_agg(e.c->>'op'), array_agg(e.c->>'holdId'),
         array_agg(CASE WHEN e.c->>'op' = 'create' THEN ${cast('workspaceId')}::uuid END),
         array_agg(${cast('amount')}::bigint), array_agg(${cast('minAmount')}::bigint),
         array_agg(${cast('timeoutMs')}::bigint), array_agg(COALESCE(e.c->'metadata', '{}'::jsonb)),
         array_agg(e.c->>'reason'),${duplicates ? ' array_agg(e.rn > 1),' : ''}
         array_agg(e.pid), array_agg(e.pkind), array_agg(e.pamount), array_agg(e.ptimeout), array_agg(e.pjournal),
         array_agg(e.pdr_id), array_agg(e.pcr_id), array_agg(e.rkind), array_agg(e.ramount), array_agg(e.cap),
         array_agg(e.pid) FILTER (WHERE e.pkind = 'pending'), array_agg(e.pdr_id) FILTER (WHERE e.pkind = 'pending'),
         array_agg(e.pcr_id) FILTER (WHERE e.pkind = 'pending')${tombstones ? `,
         array_agg(e.i::integer - 1) FILTER (WHERE e.refused)` : ''}
    INTO n, c_op, c_hold, c_ws, c_amount, c_min, c_timeout, c_meta, c_reason,${duplicates ? ' c_dup,' : ''}
         c_pid, c_pkind, c_pamount, c_ptimeout, c_pjournal, c_pdr_id, c_pcr_id, c_rkind, c_ramount, c_cap,
         v_pending_ids, v_pdr_ids, v_pcr_ids${tombstones ? ', v_refused' : ''}
    FROM (SELECT x.c, x.i,${duplicates ? " row_number() OVER (PARTITION BY x.c->>'holdId' ORDER BY x.i) AS rn," : ''}${tombstones ? ' t.refused,' : ''}
                 p.id AS pid, p.kind::text AS pkind, p.amount AS pamount, p.timeout_at AS ptimeout, p.journal_key AS pjournal,
                 p.debit_account_id AS pdr_id, p.credit_account_id AS pcr_id, r.kind::text AS rkind, r.amount AS ramount,
                 CASE WHEN hc.hold_id IS NOT NULL THEN jsonb_build_object('result', 'exists', 'status', hc.status, 'captured', hc.captured_amount::text,
                   'released', hc.released_amount::text, 'overage', hc.overage_amount::text, 'unbilled', hc.unbilled_amount::text) END AS cap
            FROM jsonb_array_elements(${input}) WITH ORDINALITY AS x (c, i)${
              tombstones
                ? `
            LEFT JOIN LATERAL (SELECT true AS refused FROM ledger.hold_tombstones h
                                WHERE x.c->>'op' = 'create' AND h.hold_id = x.c->>'holdId' OFFSET 0) t ON true`
                : ''
            }
            LEFT JOIN LATERAL (SELECT t.id, t.kind, t.debit_account_id, t.credit_account_id, t.amount, t.timeout_at, t.journal_key
                                 FROM ledger.transfers t WHERE t.idempotency_key = 'hold:' || (x.c->>'holdId') OFFSET 0) p ON true
            LEFT JOIN LATERAL (SELECT t.kind, t.amount FROM ledger.transfers t WHERE p.kind = 'pending' AND t.pending_id = p.id OFFSET 0) r ON true
            LEFT JOIN LATERAL (SELECT * FROM ledger.hold_captures WHERE hold_id = x.c->>'holdId' OFFSET 0) hc ON true
           ORDER BY x.i) e;`;
}

/**
 * The write: transfers, then the `pending_open` rows opened (`open`) and closed (`close`), the `hold_captures`
 * rows (`capture`), and the account counters. Leaving out a part is only right when it has no rows to write.
 */
function writeSql(open: boolean, close: boolean, capture: boolean): string {
  return `WITH ins AS (
      INSERT INTO ledger.transfers (idempotency_key, journal_key, kind, debit_account_id, credit_account_id, amount, currency, reason, pending_id, timeout_at, user_data)
      SELECT x.key, x.journal, x.kind, x.dr, x.cr, x.amount, x.cur, x.reason, x.pending,
             CASE WHEN x.kind = 'pending' THEN now() + x.timeout_ms * interval '1 millisecond' END, x.user_data
        FROM unnest(t_key, t_journal, t_kind, t_dr, t_cr, t_amount, t_cur, t_reason, t_pending, t_timeout_ms, t_user)
             AS x (key, journal, kind, dr, cr, amount, cur, reason, pending, timeout_ms, user_data)${open ? '\n      RETURNING id, kind, timeout_at' : ''}
    )${
      open
        ? `, opened AS (
      INSERT INTO ledger.pending_open (pending_id, timeout_at) SELECT id, timeout_at FROM ins WHERE kind = 'pending'
    )`
        : ''
    }${
      close
        ? `, closed AS (
      DELETE FROM ledger.pending_open WHERE pending_id = ANY (d_pid)
    )`
        : ''
    }${
      capture
        ? `, captured AS (
      INSERT INTO ledger.hold_captures (hold_id, pending_id, status, requested_amount, captured_amount, released_amount, overage_amount, unbilled_amount)
      SELECT * FROM unnest(h_hold, h_pid, h_status, h_req, h_cap, h_rel, h_over, h_unb)
    )`
        : ''
    }
    UPDATE ledger.accounts a
       SET debits_pending = a.debits_pending + (d.dp - d.odp), debits_posted = a.debits_posted + (d.dpo - d.odpo),
           credits_pending = a.credits_pending + (d.cp - d.ocp), credits_posted = a.credits_posted + (d.cpo - d.ocpo),
           version = a.version + d.changes
      FROM unnest(a_id, a_dp, o_dp, a_dpo, o_dpo, a_cp, o_cp, a_cpo, o_cpo, a_n) AS d (id, dp, odp, dpo, odpo, cp, ocp, cpo, ocpo, changes)
     WHERE a.id = d.id AND d.changes > 0;`;
}

/**
 * Batches of up to this many commands map their accounts and return their rows in plpgsql loops; larger ones with
 * one SQL statement each (the loops cost per command, the statements a fixed executor start).
 */
const SMALL_BATCH = 8;

/**
 * `batch`: ledger.apply_hold_batch(jsonb), the set-based batch (see the set-based-hold-batches migration).
 * `commands`: ledger.apply_hold_commands(jsonb), the same batch behind the release tombstones (see the
 * hold-release-tombstones migration): a create whose holdId has a tombstone is refused with LDG02 and left out
 * of the batch; a release that finds no hold (LDG01) leaves a tombstone.
 */
export function holdBatchFunctionSql(variant: 'batch' | 'commands'): string {
  const commands = variant === 'commands';
  const returnRows = `IF n <= ${SMALL_BATCH} THEN
    FOR i IN 1 .. n LOOP
      out_index := i - 1; out_result := r_result[i]; out_error_code := r_code[i]; out_error_message := r_msg[i]; out_error_detail := r_detail[i];
      RETURN NEXT;
    END LOOP;
  ELSE
    RETURN QUERY SELECT (x.i - 1)::integer, x.res, x.code, x.msg, x.detail
      FROM unnest(r_result, r_code, r_msg, r_detail) WITH ORDINALITY AS x (res, code, msg, detail, i);
  END IF;`;
  return `
CREATE OR REPLACE FUNCTION ledger.apply_hold_${variant}(p_commands jsonb)
RETURNS TABLE (out_index integer, out_result jsonb, out_error_code text, out_error_message text, out_error_detail text)
-- Every row this function reads or writes is found by key. Generic plans (planned once per connection) and no
-- sequential scans keep it so at any batch size, however small the tables looked when statistics were taken.
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
${commands ? `  v_total integer := jsonb_array_length(p_commands);
  v_batch jsonb;                       -- the commands decided here when some are refused: p_commands without them
  v_refused integer[];                 -- 0-based indexes of the creates that meet a tombstone
  v_pos integer[];                     -- the 0-based index in p_commands of each command of v_batch
  v_tombs text[];                      -- the holdIds of the releases that found no hold (NULL: none)
  f_result jsonb[]; f_code text[]; f_msg text[]; f_detail text[];
` : `  v_total integer := CASE WHEN jsonb_typeof(p_commands) = 'array' THEN jsonb_array_length(p_commands) END; -- NULL: the parse raises
`}  n integer;
  -- the commands, 1-based in batch order
  c_op text[]; c_hold text[]; c_ws uuid[]; c_amount bigint[]; c_min bigint[]; c_timeout bigint[]; c_meta jsonb[]; c_reason text[]; c_dup boolean[];
  -- what each command refers to (read under the system-account lock)
  c_acc integer[];                                  -- create: the workspace credit account (index into a_*)
  c_pid bigint[]; c_pkind text[]; c_pdr integer[]; c_pcr integer[]; c_pamount bigint[]; c_ptimeout timestamptz[]; c_pjournal text[];
  c_pdr_id bigint[]; c_pcr_id bigint[];             -- the hold's account ids (a create's conflict check: the debit one)
  c_rkind text[]; c_ramount bigint[];               -- the hold's resolution, if any
  c_cap jsonb[];                                    -- the hold's capture record, if any
  -- the locked accounts, in id order; counters are running values, o_* the values read under the lock
  a_id bigint[]; a_code text[]; a_cur text[]; a_drg boolean[]; a_crg boolean[];
  a_dp bigint[]; a_dpo bigint[]; a_cp bigint[]; a_cpo bigint[]; a_n integer[];
  o_dp bigint[]; o_dpo bigint[]; o_cp bigint[]; o_cpo bigint[];
  v_unbilled integer; v_revenue integer;
  v_pending_ids bigint[]; v_pdr_ids bigint[]; v_pcr_ids bigint[];
  -- results
  r_result jsonb[]; r_code text[]; r_msg text[]; r_detail text[];
  -- transfers to insert (the arrays below start NULL: an element assigned to a NULL array makes a 1-element one)
  t_key text[]; t_journal text[]; t_kind ledger.transfer_kind[]; t_dr bigint[]; t_cr bigint[];
  t_amount bigint[]; t_cur text[]; t_reason text[]; t_pending bigint[]; t_timeout_ms bigint[]; t_user jsonb[];
  nt integer := 0;
  -- hold_captures rows to insert
  h_hold text[]; h_pid bigint[]; h_status text[]; h_req bigint[]; h_cap bigint[]; h_rel bigint[];
  h_over bigint[]; h_unb bigint[];
  nh integer := 0;
  -- pending_open rows to delete
  d_pid bigint[];
  -- per command scratch
  i integer; k integer; dr integer; cr integer; ub integer; c_max constant bigint := 9223372036854775807;
  v_available bigint; v_amount bigint; v_post bigint; v_excess bigint; v_charge bigint; v_unbilled_amt bigint; v_status text; v_expire boolean;
BEGIN
  IF v_total = 0 THEN RETURN; END IF;
  -- 1. the hot system accounts first: hold batches and the sweeper queue here, so hold state (pending,
  --    resolutions, captures) cannot change under this batch; workspace balances are locked below
  ${LOCK_HOLD_SYSTEM_ACCOUNTS}

  <<decide>>
  BEGIN
  -- 2. the parse, and what each command refers to: read after the lock above, under which the holds, their
  --    resolutions and capture records stay as they are. Every lookup by key is a LATERAL (… OFFSET 0) probe of
  --    its unique index, so no plan can turn it into a scan of the journal, whatever the table statistics say.
  IF v_total <= ${SMALL_BATCH} THEN
    ${parseSql('p_commands', commands, false)}
  ELSE
    ${parseSql('p_commands', commands, true)}
  END IF;${
    commands
      ? `
  IF v_refused IS NOT NULL THEN
    -- a late create: refused here, the others decided, answers put back in batch order below
    SELECT COALESCE(jsonb_agg(x.c ORDER BY x.i), '[]'::jsonb), COALESCE(array_agg(x.i::integer - 1 ORDER BY x.i), '{}')
      INTO v_batch, v_pos
      FROM jsonb_array_elements(p_commands) WITH ORDINALITY AS x (c, i)
     WHERE NOT (x.i::integer - 1 = ANY (v_refused));
    ${parseSql('v_batch', false, true)}
  END IF;`
      : ''
  }
  EXIT decide WHEN n = 0;
  IF c_dup IS NULL THEN
    -- a small batch: a holdId's second and later commands, as row_number() OVER (PARTITION BY holdId) > 1 finds them
    FOR i IN 1 .. n LOOP
      c_dup[i] := array_position(c_hold[1:i - 1], c_hold[i]) IS NOT NULL;
    END LOOP;
  END IF;

  -- 3. the holds' expiry worklist rows, in id order
  IF v_pending_ids IS NOT NULL THEN
    PERFORM 1 FROM (SELECT x.id FROM unnest(v_pending_ids) AS x (id) ORDER BY x.id) x,
                   LATERAL (SELECT 1 FROM ledger.pending_open o WHERE o.pending_id = x.id FOR UPDATE) o;
  END IF;

  -- 4. every account the batch can touch, locked in id order (LockRows over the Sort), read under the lock:
  --    the same rows as one lookup by code or id each, found with one scan of the two unique indexes
  SELECT array_agg(x.id), array_agg(x.code), array_agg(x.currency),
         array_agg(x.debits_must_not_exceed_credits), array_agg(x.credits_must_not_exceed_debits),
         array_agg(x.debits_pending), array_agg(x.debits_posted),
         array_agg(x.credits_pending), array_agg(x.credits_posted),
         array_agg(x.debits_pending), array_agg(x.debits_posted), array_agg(x.credits_pending), array_agg(x.credits_posted)
    INTO a_id, a_code, a_cur, a_drg, a_crg, a_dp, a_dpo, a_cp, a_cpo, o_dp, o_dpo, o_cp, o_cpo
    FROM (SELECT a.id, a.code, a.currency, a.debits_must_not_exceed_credits, a.credits_must_not_exceed_debits,
                 a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted
            FROM ledger.accounts a
           WHERE a.code = ANY (ARRAY['expense:unbilled_usage', 'revenue:usage']
                               || ARRAY(SELECT 'liability:workspace_credit:' || w::text FROM unnest(c_ws) w WHERE w IS NOT NULL))
              OR a.id = ANY (v_pdr_ids || v_pcr_ids)
           ORDER BY a.id FOR UPDATE) x;
  a_n := array_fill(0, ARRAY[cardinality(a_id)]);
  v_unbilled := array_position(a_code, 'expense:unbilled_usage');
  v_revenue := array_position(a_code, 'revenue:usage');

  -- per command, its accounts' places in a_*: a create's workspace credit account, the hold's two accounts
  IF n <= ${SMALL_BATCH} THEN
    FOR i IN 1 .. n LOOP
      c_acc[i] := array_position(a_code, 'liability:workspace_credit:' || c_ws[i]::text);
      c_pdr[i] := array_position(a_id, c_pdr_id[i]); c_pcr[i] := array_position(a_id, c_pcr_id[i]);
    END LOOP;
  ELSE
    SELECT array_agg(q.acc), array_agg(q.pdr), array_agg(q.pcr) INTO c_acc, c_pdr, c_pcr
      FROM (SELECT wa.ord::integer AS acc, pd.ord::integer AS pdr, pc.ord::integer AS pcr
              FROM unnest(c_ws, c_pdr_id, c_pcr_id) WITH ORDINALITY AS c (ws, dr, cr, i)
              LEFT JOIN unnest(a_code) WITH ORDINALITY AS wa (code, ord) ON c.ws IS NOT NULL AND wa.code = 'liability:workspace_credit:' || c.ws::text
              LEFT JOIN unnest(a_id) WITH ORDINALITY AS pd (id, ord) ON pd.id = c.dr
              LEFT JOIN unnest(a_id) WITH ORDINALITY AS pc (id, ord) ON pc.id = c.cr
             ORDER BY c.i) q;
  END IF;

  r_result := array_fill(NULL::jsonb, ARRAY[n]); r_code := array_fill(NULL::text, ARRAY[n]);
  r_msg := array_fill(NULL::text, ARRAY[n]); r_detail := array_fill(NULL::text, ARRAY[n]);

${decideLoopSql(commands)}

  -- 6. one statement writes the batch; any constraint it trips aborts all of it. Holds opened only (creates),
  --    or none opened (captures, releases): the statement without the parts that would write no row
  IF nt > 0 THEN
    IF nh = 0 AND d_pid IS NULL THEN
      ${writeSql(true, false, false)}
    ELSIF NOT ('pending' = ANY (t_kind)) THEN
      ${writeSql(false, true, true)}
    ELSE
      ${writeSql(true, true, true)}
    END IF;
  END IF;
${
  commands
    ? `  END decide;

  IF v_tombs IS NOT NULL THEN
    INSERT INTO ledger.hold_tombstones (hold_id) SELECT unnest(v_tombs) ON CONFLICT DO NOTHING;
  END IF;

  IF v_refused IS NULL THEN
  ${returnRows.replace(/\n/g, '\n  ')}
    RETURN;
  END IF;
${REFUSED_ANSWERS_SQL}`
    : `  END decide;

  ${returnRows}
`
}END $$;
`;
}
