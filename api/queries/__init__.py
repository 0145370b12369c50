"""SQL for reads, in one place for both backends: each list filter is built once (`filters`)
and serves pages, counts, streams and search (`pages`, `search`, `totals`)."""
