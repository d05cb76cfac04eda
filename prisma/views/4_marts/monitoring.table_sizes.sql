-- Size of every table of schema public: with indexes and TOAST, and the table alone (bytes).
SELECT relname::text AS table_name, pg_total_relation_size(relid) AS total_bytes, pg_relation_size(relid) AS heap_bytes
FROM pg_catalog.pg_statio_user_tables
WHERE schemaname = 'public'
