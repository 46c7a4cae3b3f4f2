"""Tuning studies: the measurements that chose a setting or a limit (the expert's, GAIL's, notebook 05's covariate
shift, notebook 06's comparisons on seeds 500-519). The documents quote their findings from ``benchmarks/history.md``
and the notes pages, never as a lesson's number."""
