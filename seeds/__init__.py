"""Hand-mapped seed records: one YAML file per source article."""
