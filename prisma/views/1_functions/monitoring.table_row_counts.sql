-- Exact row counts of every table of schema public, tables that later migrations add included. SECURITY DEFINER
-- (with a fixed search_path, as PostgreSQL's CREATE FUNCTION documentation advises) so the reader sees counts,
-- never rows; table names come from the catalogue and are quoted with %I.
CREATE OR REPLACE FUNCTION monitoring.table_row_counts() RETURNS TABLE (table_name text, row_count bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname
  LOOP
    table_name := t.relname;
    EXECUTE format('SELECT count(*) FROM public.%I', t.relname) INTO row_count;
    RETURN NEXT;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION monitoring.table_row_counts() FROM PUBLIC;
