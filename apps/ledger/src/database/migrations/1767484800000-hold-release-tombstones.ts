import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A release that finds no hold leaves a tombstone, and a create that meets a tombstone is refused.
 *
 * A caller that gave up on a create (timeout, no reply) releases the holdId. Its create may still be in
 * flight (a stalled replica, a message in a socket buffer) and commit after that release answered "does not
 * exist"; without a tombstone the money would stay held until expiry. `ledger.apply_hold_commands(jsonb)`
 * wraps `apply_hold_batch` (unchanged, still checked against its reference) and takes the hold system
 * accounts' lock first, the lock every hold batch takes, so a tombstone and a create are decided in turn.
 * Refused creates answer LDG02 (conflict) and never reach the journal. Releases keep answering LDG01.
 */
export class HoldReleaseTombstones1767484800000 implements MigrationInterface {
  name = 'HoldReleaseTombstones1767484800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(TOMBSTONES_SQL);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION IF EXISTS ledger.apply_hold_commands(jsonb)');
    await queryRunner.query('DROP TABLE IF EXISTS ledger.hold_tombstones');
  }
}

export const TOMBSTONES_SQL = `
CREATE TABLE ledger.hold_tombstones (
  hold_id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER hold_tombstones_no_update_delete BEFORE UPDATE OR DELETE ON ledger.hold_tombstones FOR EACH ROW EXECUTE FUNCTION ledger.forbid_mutation();

CREATE FUNCTION ledger.apply_hold_commands(p_commands jsonb)
RETURNS TABLE (out_index integer, out_result jsonb, out_error_code text, out_error_message text, out_error_detail text)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
  n integer := jsonb_array_length(p_commands);
  v_refused integer[];                 -- 0-based indexes of the creates that meet a tombstone
  v_kept jsonb; v_pos integer[];       -- the commands passed on, and their 0-based index in p_commands
  v_tombs text[] := '{}';
  r_result jsonb[]; r_code text[]; r_msg text[]; r_detail text[];
  b record; i integer;
BEGIN
  IF n = 0 THEN RETURN; END IF;
  -- the lock apply_hold_batch takes first: no other batch decides a create or a release meanwhile
  PERFORM ledger.lock_hold_system_accounts();
  SELECT array_agg(x.i::integer - 1 ORDER BY x.i) INTO v_refused
    FROM jsonb_array_elements(p_commands) WITH ORDINALITY AS x (c, i),
         LATERAL (SELECT 1 FROM ledger.hold_tombstones h WHERE h.hold_id = x.c->>'holdId' OFFSET 0) h
   WHERE x.c->>'op' = 'create';

  IF v_refused IS NULL THEN
    -- the usual case: the batch as it is, rows streamed in order
    FOR b IN SELECT * FROM ledger.apply_hold_batch(p_commands) LOOP
      IF b.out_error_code = 'LDG01' AND p_commands->b.out_index->>'op' = 'release' THEN
        v_tombs := v_tombs || (p_commands->b.out_index->>'holdId');
      END IF;
      out_index := b.out_index; out_result := b.out_result; out_error_code := b.out_error_code;
      out_error_message := b.out_error_message; out_error_detail := b.out_error_detail;
      RETURN NEXT;
    END LOOP;
  ELSE
    -- a late create: refused here, the others applied, answers put back in batch order
    r_result := array_fill(NULL::jsonb, ARRAY[n]); r_code := array_fill(NULL::text, ARRAY[n]);
    r_msg := array_fill(NULL::text, ARRAY[n]); r_detail := array_fill(NULL::text, ARRAY[n]);
    FOREACH i IN ARRAY v_refused LOOP
      r_code[i + 1] := 'LDG02'; r_msg[i + 1] := format('Hold %s was released before it was created.', p_commands->i->>'holdId');
      r_detail[i + 1] := json_build_object('holdId', p_commands->i->>'holdId')::text;
    END LOOP;
    SELECT COALESCE(jsonb_agg(x.c ORDER BY x.i), '[]'::jsonb), COALESCE(array_agg(x.i::integer - 1 ORDER BY x.i), '{}')
      INTO v_kept, v_pos
      FROM jsonb_array_elements(p_commands) WITH ORDINALITY AS x (c, i)
     WHERE NOT (x.i::integer - 1 = ANY (v_refused));
    FOR b IN SELECT * FROM ledger.apply_hold_batch(v_kept) LOOP
      i := v_pos[b.out_index + 1];
      r_result[i + 1] := b.out_result; r_code[i + 1] := b.out_error_code; r_msg[i + 1] := b.out_error_message; r_detail[i + 1] := b.out_error_detail;
      IF b.out_error_code = 'LDG01' AND p_commands->i->>'op' = 'release' THEN v_tombs := v_tombs || (p_commands->i->>'holdId'); END IF;
    END LOOP;
    RETURN QUERY SELECT (g.i - 1)::integer, r_result[g.i], r_code[g.i], r_msg[g.i], r_detail[g.i] FROM generate_series(1, n) AS g (i);
  END IF;

  IF cardinality(v_tombs) > 0 THEN
    INSERT INTO ledger.hold_tombstones (hold_id) SELECT unnest(v_tombs) ON CONFLICT DO NOTHING;
  END IF;
END $$;
`;
