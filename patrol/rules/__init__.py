"""Pure rules on plain values: geofence verdicts, crowd levels, check-in rules, time."""
