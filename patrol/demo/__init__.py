"""Demo data (seed-demo) and load data (seed-load), apart from the domain services."""
