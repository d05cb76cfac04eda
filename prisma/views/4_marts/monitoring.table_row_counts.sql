-- Exact row counts of every table of schema public (Grafana's Database health board; monitoring.table_row_counts()).
SELECT table_name, row_count FROM monitoring.table_row_counts()
