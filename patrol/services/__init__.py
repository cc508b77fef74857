"""Domain services: plain functions that change data (add and flush; the caller commits)."""
