-- The lake's outputs: the same silver/gold partitions as the daily jobs write, Parquet (zstd), unsorted.
COPY (SELECT * FROM f_fact_assignment) TO {{parquet:silver/fact_assignment}} (FORMAT parquet, COMPRESSION zstd);
COPY (SELECT * FROM f_assignment_quality) TO {{parquet:silver/fct_experiment_assignment_quality}} (FORMAT parquet, COMPRESSION zstd);
COPY (SELECT * FROM f_validation) TO {{parquet:silver/int_experiment_exposure_validation}} (FORMAT parquet, COMPRESSION zstd);
COPY (SELECT * FROM f_quality_daily) TO {{parquet:gold/fct_experiment_exposure_quality_daily}} (FORMAT parquet, COMPRESSION zstd);
COPY (SELECT * FROM f_cohort) TO {{parquet:silver/fct_experiment_cohort}} (FORMAT parquet, COMPRESSION zstd);
COPY (SELECT * FROM f_event_quality) TO {{parquet:gold/fct_event_quality}} (FORMAT parquet, COMPRESSION zstd);
COPY (SELECT * FROM f_unit_outcomes) TO {{parquet:gold/fct_experiment_unit_outcomes}} (FORMAT parquet, COMPRESSION zstd);
COPY (SELECT * FROM f_agg) TO {{parquet:gold/agg_experiment_metric_by_variant}} (FORMAT parquet, COMPRESSION zstd);
